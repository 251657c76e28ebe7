"""What officers read: pre-aggregated counts, report filters and the queries behind reports.

``models`` and ``counts`` keep the count tables equal to the raw responses; ``filters``
describes a report's period and selection; ``queries`` turns them into count tables for
``analysis``; ``overview`` assembles the satisfaction overview.
"""
