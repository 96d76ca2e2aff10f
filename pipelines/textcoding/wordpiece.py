"""BERT uncased WordPiece tokenisation in Python and polars.

Splits text into the token ids of all-MiniLM-L6-v2's vocabulary so the static token vectors
can be looked up without `transformers` or `tokenizers`; it reproduces the Hugging Face
tokenizer's ids on every comment of the v6 training file.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import polars as pl

# In ASCII text every printable character that is not a letter, digit or space is punctuation.
# Whitespace spelt out as Python's `\s` reads it in ASCII, so polars' regex engine (Rust's,
# whose `\s` leaves out \x1c-\x1f) splits text the same way.
ASCII_WORDS = r"[a-z0-9]+|[^\t-\r\x1c-\x20a-z0-9]"
_ASCII_WORDS = re.compile(ASCII_WORDS)


def _is_punctuation(char: str) -> bool:
    # BERT treats every non-alphanumeric ASCII symbol as punctuation, `$` and `^` included.
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def basic_words(text: str) -> list[str]:
    """Lowercased, accent-stripped words with each punctuation character split off."""
    if text.isascii():
        return _ASCII_WORDS.findall(text.lower())
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    words: list[str] = []
    for chunk in text.split():
        current = ""
        for char in chunk:
            if _is_punctuation(char):
                if current:
                    words.append(current)
                    current = ""
                words.append(char)
            else:
                current += char
        if current:
            words.append(current)
    return words


class WordPiece:
    """Greedy longest-match-first WordPiece over a fixed vocabulary."""

    def __init__(self, vocabulary: list[str], max_word_chars: int = 100) -> None:
        self.index = {token: i for i, token in enumerate(vocabulary)}
        self.unknown = self.index["[UNK]"]
        self.max_word_chars = max_word_chars
        self._word_ids = lru_cache(maxsize=100_000)(self._split_word)
        self._vocabulary = pl.DataFrame({"term": vocabulary, "id": range(len(vocabulary))},
                                        schema={"term": pl.String, "id": pl.Int64})

    def _split_word(self, word: str) -> tuple[int, ...]:
        if len(word) > self.max_word_chars:
            return (self.unknown,)
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.index:
                    ids.append(self.index[piece])
                    break
                end -= 1
            else:
                return (self.unknown,)
            start = end
        return tuple(ids)

    def encode(self, text: str) -> list[int]:
        return [i for word in basic_words(text) for i in self._word_ids(word)]

    def encode_whole_words(self, text: str) -> list[int]:
        """Ids of the words that are one token of the vocabulary; words WordPiece would
        split into pieces are left out, so no word is represented by a fragment."""
        # Greedy longest match takes a word that is in the vocabulary whole as one token.
        index = self.index
        return [index[word] for word in basic_words(text) if word in index]

    def whole_word_occurrences(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """What `encode_whole_words` gives every text, as (text position, token id) pairs.
        ASCII texts are split in polars, a column at a time (a Python loop over them was a
        sixth of FFT coding); the others word by word in Python."""
        frame = pl.DataFrame({"text": texts}, schema={"text": pl.String}).with_row_index("doc")
        ascii_text = pl.col("text").str.contains(r"^[\x00-\x7f]*$")
        found = (frame.filter(ascii_text)
                 .select("doc", pl.col("text").str.to_lowercase().str.extract_all(ASCII_WORDS)
                         .alias("term"))
                 .explode("term")
                 .join(self._vocabulary, on="term"))
        docs, ids = [found["doc"].to_numpy()], [found["id"].to_numpy()]
        for doc, text in frame.filter(~ascii_text).iter_rows():
            encoded = self.encode_whole_words(text)
            docs.append(np.full(len(encoded), doc, dtype=np.uint32))
            ids.append(np.array(encoded, dtype=np.int64))
        return np.concatenate(docs), np.concatenate(ids)
