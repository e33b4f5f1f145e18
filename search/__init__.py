"""The search runtime the action server and the eligibility service read: the index format, tokenisation,
BM25, dense, fusion, the knowledge base, concise answers, browsing. Above knowledge; imports neither
index_builder nor evaluation (index_builder imports its record, index-file and tokeniser modules)."""
