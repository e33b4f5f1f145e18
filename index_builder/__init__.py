"""corpus -> chunks -> embeddings -> FAISS + BM25 + metadata, and the embedding model trained from the corpus."""
