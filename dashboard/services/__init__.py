"""The pages' side without Streamlit: for a page of ``dashboard/pages/``, the module of the same
name here calls ``routing``/``sources`` and turns the results into display tables, HTML snippets
and map layers (``transit`` serves the three transit pages: departures, lines, day of buses).
Plain functions that tests call without a browser; caching is :mod:`dashboard.state`'s."""
