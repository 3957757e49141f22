"""Module-level functions decorated with wprof's scopes, for check_decorators.py's pickle round trip
(pickle finds a function by its module and qualified name)."""
import wprof


@wprof.LiteScope("pickled_scope")
def scaled(x):
    return 3 * x


class Holder:
    @wprof.range("pickled_range")
    def method(self, x):
        return x - 1
