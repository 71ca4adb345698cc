"""Build tooling of the course site (not needed to run a chapter).

Modules
-------
notebooks  generates notebooks/NN_name.ipynb, the Colab/Binder version of each
           chapter, from the MyST sources (``python -m coursebook.notebooks``)
sphinxext  Sphinx extension: points each chapter's Colab and Binder buttons
           at its generated notebook; drops duplicated inline scripts
"""
