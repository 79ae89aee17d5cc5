"""The portable record of a trainee's portfolio: export to and import from JSON.

The format is described field by field in docs/portfolio-format.md. Its rules, which the
code below keeps:

- No database ids: people are named by e-mail address (lower-case), organisation by
  region code and unit name, reference data by code (specialty slug, regulation code,
  delmål code with the målbeskrivning it belongs to: "st" or "bt").
- Deterministic: the same portfolio gives the same document (lists sorted by date and
  then by the record's own content, no export time), so export → import → export gives
  an identical file, and a file can be compared or checksummed.
- Lossless: every field of every record, including the timestamps the database sets
  itself and the course certificates (base64, with their sha256).

The export is a fixed number of queries whatever the number of records. The import runs
in one transaction: it either creates everything or nothing, and never creates regions,
units, specialties, målbeskrivningar or mandatory courses (those are the installation's
organisation and reference data; a file naming one that does not exist is refused).
Signed records (approved IUP versions, signed kompetensvärderingar, handledarutlåtanden and
intyg with their signatures) are inserted as they are, never changed. The reviews of specialistkollegier are exported
for the record but not imported: they belong to the old unit's kollegium.
"""

from portfolio.portable.common import FORMAT, VERSION, PortfolioImportError, dumps
from portfolio.portable.exporting import export_trainee
from portfolio.portable.importing import import_trainee
from portfolio.portable.reading import check_format

__all__ = ["FORMAT", "VERSION", "PortfolioImportError", "check_format", "dumps", "export_trainee", "import_trainee"]
