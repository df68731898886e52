#!/usr/bin/env python3
"""Writes src/Training/Corpus/wordnet-definitions.txt, the distillation corpus `sparsebert prune` trains on by default.

The sentences are WordNet 3.0 definitions (Debian's wordnet-base, /usr/share/wordnet) of synsets that have NO example
sentence. `sparsebert eval` scores retrieval only over synsets WITH an example, so the training text and the evaluation
text never share a synset. Every part of speech contributes in proportion to its size; within one, every k-th eligible
synset is taken (the files are ordered by offset, which groups related senses). Run: python3 tools/gen-distill-corpus.py
"""
import pathlib

WORDNET = pathlib.Path("/usr/share/wordnet")
OUT = pathlib.Path(__file__).resolve().parent.parent / "src/Training/Corpus/wordnet-definitions.txt"
TOTAL = 8000

def definitions(pos):
    for line in (WORDNET / f"data.{pos}").read_text(encoding="utf-8").splitlines():
        if line.startswith("  ") or " | " not in line:
            continue
        gloss = line.split(" | ", 1)[1].strip()
        if '"' in gloss:
            continue  # has an example sentence: eval's ground, never trained on
        text = gloss.rstrip(" ;")
        if len(text.split()) >= 4:
            yield text

eligible = {pos: list(definitions(pos)) for pos in ("noun", "verb", "adj", "adv")}
count = sum(len(v) for v in eligible.values())
lines = []
for pos, texts in eligible.items():
    take = round(TOTAL * len(texts) / count)
    lines += [texts[i * len(texts) // take] for i in range(take)]
OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"{OUT}: {len(lines)} definitions of {count} eligible")
