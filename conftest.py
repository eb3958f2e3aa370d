"""Root pytest configuration: every test and every notebook kernel runs in fast mode.

nbval starts each notebook's kernel from this process's environment, so setting the variable here (before
collection) puts the notebooks into fast mode too.
"""

import os

os.environ["VAEGAN_EDU_FAST"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
