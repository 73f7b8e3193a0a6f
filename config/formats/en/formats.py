# One date style (issue 12 item 2): ISO 8601 wherever Django formats a date or a moment for us (the admin,
# a `|date` left without a format, form widgets), never "Jan. 29, 2027" or "01/29/2027". Pages use the
# `day` and `moment` filters (escrow.templatetags.portal), which say "Beijing time" as well.
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
