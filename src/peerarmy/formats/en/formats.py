# English as written in Britain (and by Europeans writing English): day before month, 24-hour
# clock. Inputs as Django's en_GB formats, with the ISO date first.
from django.conf.locale.en_GB.formats import (  # noqa: F401
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    NUMBER_GROUPING,
    THOUSAND_SEPARATOR,
)

FIRST_DAY_OF_WEEK = 1  # Monday
DATE_FORMAT = "j F Y"  # 6 December 2026
TIME_FORMAT = "H:i"  # 15:30
DATETIME_FORMAT = "l j F Y, H:i"  # Sunday 6 December 2026, 15:30
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 6 December
SHORT_DATE_FORMAT = "d/m/Y"  # 06/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 06/12/2026 15:30
