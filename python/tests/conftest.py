import importlib.util
import os
import sys

# Test the installed package when there is one, else the source tree.
if importlib.util.find_spec("bayesmat") is None:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
