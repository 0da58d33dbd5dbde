"""Analytics jobs that read ``complaints.events.v1`` as their own consumer group (issue 4).

:mod:`complaint_events.analytics.daily_report` folds case events into the daily SLA and defect
report and writes it (CSV and a PNG chart); :mod:`complaint_events.analytics.job` is the Kafka
consumer that feeds it (``complaint-events analytics report``).
"""
