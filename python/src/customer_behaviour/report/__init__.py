"""``customer-behaviour report``: the insight report, one self-contained HTML file.

The report tells the story of the source documents for people who will not open DBeaver:
data overview, cleaning and transformation (with the data-quality figures), feature
engineering, behaviour funnels, sequence analysis, product associations, customer
segmentation, insights, recommendations and next steps. It is built from the marts and the
analytics tables of one dbt target, found through dbt's manifest like every other part of the
Python layer. Every number in the text is computed from those tables when the report is
written; insights and recommendations are generated from the results and each says how sure
it is (95% Wilson intervals for rates, two-proportion tests with a Bonferroni adjustment when
the worst of many segments is singled out, the confidence intervals and p-values of the
analytics tables). A table that is missing (for example ``analyze`` has not run yet) turns
its part of the report into a notice saying what to run; the rest is still written.

The package, along its seams:

* :mod:`.data`: reading the tables the dbt exposure ``insight_report`` lists, and the dbt
  variables the report needs, through the manifest;
* :mod:`.stats`: intervals, tests, certainty statements and number formatting;
* :mod:`.charts`: the matplotlib charts; :mod:`.figures`: their style and inline SVG;
* :mod:`.sections`: one module per section; each block returns its content (:mod:`.content`)
  and its typed, frozen findings (:mod:`.findings`); the insights, recommendations and next
  steps are pure functions of those findings (:mod:`.spec` says how a section is declared);
* :mod:`.build`: gathering the sections (in any order), rendering the HTML, writing the file;
* :mod:`.cli`: the command line, which imports the rest only when the command runs.

Nothing is imported here, so that building the command line stays free of pandas and
matplotlib.
"""
