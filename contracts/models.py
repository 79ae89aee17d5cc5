# ST-utbildningskontrakt, tillstyrkan, unit approval against regional quality
# criteria and SPUR inspections live here (see docs/architecture.md).
