"""Lint-time stand-ins for dbt's cross-database macros (sqlfluff's jinja templater has no `dbt` namespace)."""


def date_spine(datepart: str, start_date: str, end_date: str) -> str:
    return f"select generate_series({start_date}, {end_date}, interval '1 {datepart}') as date_{datepart}"
