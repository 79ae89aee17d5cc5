"""`__in` on integer columns that ignores numbers the column cannot hold.

Django's own exact/gt/lt lookups on an IntegerField already treat an out-of-range value
as matching nothing (IntegerFieldOverflow), but `__in` passes every value to the
driver. On SQLite a number past 64 bits then raises OverflowError instead of finding no
row, which turned a 400-digit id posted to a ModelMultipleChoiceField (`pk__in`) into a
server error. No row can have such a value, so leaving it out of the list is exact.
"""

from django.db.models import IntegerField
from django.db.models.lookups import In

# Any integer column on any supported database fits in this.
WIDEST = (-(2**63), 2**63 - 1)


class IntegerIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            try:
                low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            except KeyError:
                low, high = WIDEST
            low, high = WIDEST[0] if low is None else low, WIDEST[1] if high is None else high
            # An empty list is EmptyResultSet in In.process_rhs: no row, no query.
            self.rhs = [value for value in self.rhs if not isinstance(value, int) or low <= value <= high]
        return super().process_rhs(compiler, connection)


def register():
    IntegerField.register_lookup(IntegerIn)
