import doctest
import os

import pytest

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "python.md")


@pytest.mark.skipif(not os.path.exists(DOC), reason="docs/python.md not beside the package")
def test_docs_python_walkthroughs():
    res = doctest.testfile(DOC, module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 20
    assert res.failed == 0
