"""What the tests and the benches share: the NetworkX reference router, a dashboard server and a
headless browser session, synthetic hostile inputs (a tiny feed, a zip bomb, the loader fuzzing).

Not shipped (the wheel holds sources, routing and dashboard, none of which imports devkit);
devkit imports the public names of routing and sources, never ``tests`` nor ``bench``.
"""
