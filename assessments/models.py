# Kompetensvärderingar, assessor requests, specialistkollegium, handledarutlåtande,
# Mitt-i-ST and åtgärdsplan live here (see docs/architecture.md).
