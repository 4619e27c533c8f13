"""Portfolio KPIs: ``GET /api/v1/pagos/kpis``."""
