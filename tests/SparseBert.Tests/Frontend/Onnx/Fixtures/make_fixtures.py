#!/usr/bin/env python3
"""Writes the tiny torch.onnx.export fixtures beside this script.

A BERT written as Hugging Face's modeling_bert.py computes it (x.size()[:-1] + (heads, head_size) reshapes,
position_ids buffer sliced to the sequence, the extended attention mask, hidden_states[:, 0] pooler), seeded random
weights, exported by torch's own exporter in two configurations:

  bert-opset11-unfolded.onnx     opset 11, do_constant_folding=False, exact (erf) GELU, mask (1 - m) * -10000
  bert-opset17-classifier.onnx   opset 17 (LayerNormalization), tanh GELU, mask (1 - m) * finfo.min, logits only

Needs python3-torch and python3-onnx (Debian: torch 1.13); only to regenerate, never at test or run time.
"""
import math
import os

import torch
from torch import nn

HIDDEN, LAYERS, HEADS, FFN, VOCAB, POSITIONS, TYPES, LABELS = 32, 2, 4, 64, 100, 16, 2, 3


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, HIDDEN)
        self.head_size = HIDDEN // HEADS

    def split(self, x):
        return x.view(x.size()[:-1] + (HEADS, self.head_size)).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size) + mask
        context = torch.matmul(scores.softmax(dim=-1), v).permute(0, 2, 1, 3).contiguous()
        return context.view(context.size()[:-2] + (HIDDEN,))


class Layer(nn.Module):
    def __init__(self, approximate):
        super().__init__()
        self.attention = SelfAttention()
        self.attention_output = nn.Linear(HIDDEN, HIDDEN)
        self.attention_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.intermediate = nn.Linear(HIDDEN, FFN)
        self.output = nn.Linear(FFN, HIDDEN)
        self.output_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.approximate = approximate

    def forward(self, h, mask):
        h1 = self.attention_norm(self.attention_output(self.attention(h, mask)) + h)
        inner = nn.functional.gelu(self.intermediate(h1), approximate=self.approximate)
        return self.output_norm(self.output(inner) + h1)


class Bert(nn.Module):
    def __init__(self, approximate, mask_value, classifier):
        super().__init__()
        self.words = nn.Embedding(VOCAB, HIDDEN)
        self.positions = nn.Embedding(POSITIONS, HIDDEN)
        self.token_types = nn.Embedding(TYPES, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.register_buffer("position_ids", torch.arange(POSITIONS).expand((1, -1)))
        self.layers = nn.ModuleList([Layer(approximate) for _ in range(LAYERS)])
        self.pooler = nn.Linear(HIDDEN, HIDDEN)
        self.classifier = nn.Linear(HIDDEN, LABELS) if classifier else None
        self.mask_value = mask_value

    def forward(self, input_ids, attention_mask, token_type_ids):
        positions = self.position_ids[:, : input_ids.size(1)]
        h = self.norm(self.words(input_ids) + self.token_types(token_type_ids) + self.positions(positions))
        mask = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * self.mask_value
        for layer in self.layers:
            h = layer(h, mask)
        pooled = torch.tanh(self.pooler(h[:, 0]))
        return self.classifier(pooled) if self.classifier is not None else (h, pooled)


def export(name, model, opset, folding, outputs):
    torch.manual_seed(0)
    ids = torch.tensor([[1, 5, 6, 7, 2, 0]])
    args = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    axes = {n: {0: "batch", 1: "sequence"} for n in ["input_ids", "attention_mask", "token_type_ids"]}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    torch.onnx.export(model.eval(), args, path, input_names=list(axes), output_names=outputs, dynamic_axes=axes,
                      opset_version=opset, do_constant_folding=folding)
    print(f"{name}: {os.path.getsize(path)} bytes")


def seeded(seed, **kwargs):
    torch.manual_seed(seed)
    model = Bert(**kwargs)
    # Non-trivial layer norm parameters, so a γ/β mix-up cannot pass unnoticed.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return model


export("bert-opset11-unfolded.onnx", seeded(1, approximate="none", mask_value=-10000.0, classifier=False),
       11, False, ["last_hidden_state", "pooler_output"])
export("bert-opset17-classifier.onnx", seeded(2, approximate="tanh", mask_value=torch.finfo(torch.float32).min, classifier=True),
       17, True, ["logits"])
