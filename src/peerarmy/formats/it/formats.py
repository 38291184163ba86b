# Italian, as an Italian shop owner writes it: no leading zero in long dates, names in lower
# case (the catalogue), 24-hour clock, decimal comma. Inputs as Django's Italian formats.
from django.conf.locale.it.formats import (  # noqa: F401
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    FIRST_DAY_OF_WEEK,
    NUMBER_GROUPING,
    THOUSAND_SEPARATOR,
)

DATE_FORMAT = "j F Y"  # 6 dicembre 2026
TIME_FORMAT = "H:i"  # 15:30
DATETIME_FORMAT = "l j F Y, H:i"  # domenica 6 dicembre 2026, 15:30
YEAR_MONTH_FORMAT = "F Y"  # dicembre 2026
MONTH_DAY_FORMAT = "j F"  # 6 dicembre
SHORT_DATE_FORMAT = "d/m/Y"  # 06/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 06/12/2026 15:30
