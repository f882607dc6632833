"""The retriever's parts: text analysis with BM25 (text.py) and the kinds of metric (kinds.py).

`prepops.features.retriever` puts them together and ranks whole evidence packets.
"""
