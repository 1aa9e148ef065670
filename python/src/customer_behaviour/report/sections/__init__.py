"""The sections of the insight report, one module each, in the order of the source documents'
final report (the order :data:`customer_behaviour.report.build.SECTIONS` lists them in).

Each module declares ``SECTION``, a :class:`~customer_behaviour.report.spec.SectionSpec`: its
blocks read the tables they need and return their content with their typed findings; the
insights, recommendations and next steps are drawn from those findings only.
"""
