#!/usr/bin/env python3
"""Writes the real torch.save fixtures that PyTorchFixtureTests.cs reads.

Run it with Debian's PyTorch (apt install python3-torch, 1.13; not a CI dependency), from this folder:
    /usr/bin/python3 make_fixtures.py
small_legacy.pt differs from run to run (the legacy format keys storages by id()); the zip files do not.
Every value is a small multiple of a power of two, so float32, float16 and bfloat16 hold it exactly and the
tests can state it without rounding.
"""
import collections
import json

import torch
from torch import nn


class Small(nn.Module):
    """A linear layer, a layer norm and an int64 position_ids buffer, as a BERT embedding has."""

    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(3, 2)
        self.norm = nn.LayerNorm(3)
        self.register_buffer("position_ids", torch.arange(5).expand((1, -1)))
        with torch.no_grad():
            self.dense.weight.copy_(torch.arange(6.0).reshape(2, 3) / 4 - 0.5)  # [[-0.5, -0.25, 0], [0.25, 0.5, 0.75]]
            self.dense.bias.copy_(torch.tensor([0.25, -0.75]))
            self.norm.weight.copy_(torch.tensor([1.0, 2.0, 3.0]))
            self.norm.bias.copy_(torch.tensor([-1.0, 0.0, 1.0]))


def small(dtype):
    return Small().to(dtype).state_dict()  # .to(dtype) converts float tensors only; position_ids stays int64


def node(**children):
    module = nn.Module()
    for name, child in children.items():
        module.add_module(name, child)
    return module


def micro_bert(config):
    """A one-layer BertModel-shaped module whose state dict has HF's names, a position_ids buffer and _metadata."""
    h, ffn = config["hidden_size"], config["intermediate_size"]
    embeddings = node(word_embeddings=nn.Embedding(config["vocab_size"], h),
                      position_embeddings=nn.Embedding(config["max_position_embeddings"], h),
                      token_type_embeddings=nn.Embedding(config["type_vocab_size"], h),
                      LayerNorm=nn.LayerNorm(h))
    embeddings.register_buffer("position_ids", torch.arange(config["max_position_embeddings"]).expand((1, -1)))
    layer = node(attention=node(self=node(query=nn.Linear(h, h), key=nn.Linear(h, h), value=nn.Linear(h, h)),
                                output=node(dense=nn.Linear(h, h), LayerNorm=nn.LayerNorm(h))),
                 intermediate=node(dense=nn.Linear(h, ffn)),
                 output=node(dense=nn.Linear(ffn, h), LayerNorm=nn.LayerNorm(h)))
    model = node(bert=node(embeddings=embeddings, encoder=node(layer=nn.ModuleList([layer])),
                           pooler=node(dense=nn.Linear(h, h))))
    with torch.no_grad():
        # Tensor t (in state-dict order, buffers included) holds ((7 i + 3 t) mod 23 - 11) / 32 at flat index i;
        # the test computes the same.
        for t, (name, tensor) in enumerate(model.state_dict(keep_vars=True).items()):
            if tensor.is_floating_point():
                i = torch.arange(tensor.numel())
                tensor.copy_((((7 * i + 3 * t) % 23 - 11) / 32).reshape(tensor.shape))
    return model.state_dict()


def main():
    torch.save(small(torch.float32), "small_f32.pt")
    torch.save(small(torch.float16), "small_f16.pt")
    torch.save(small(torch.bfloat16), "small_bf16.pt")
    torch.save(small(torch.float32), "small_protocol4.pt", pickle_protocol=4)
    torch.save(small(torch.float32), "small_legacy.pt", _use_new_zipfile_serialization=False)

    base = torch.arange(12.0)
    grid = base.view(3, 4)
    # Views of one storage at several offsets; "again" is the same tensor object as "grid", so the pickle refers back to it.
    torch.save({"grid": grid, "row": grid[2], "slice": base[5:9], "scalar": base[7], "empty": base[3:3], "again": grid}, "views.pt")
    torch.save({"transposed": torch.arange(6.0).view(2, 3).t()}, "strided.pt")
    torch.save(collections.OrderedDict(p=nn.Parameter(torch.arange(4.0) / 8)), "parameter.pt")
    torch.save({"double": torch.arange(3, dtype=torch.float64)}, "float64.pt")

    config = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 8, "num_hidden_layers": 1,
              "num_attention_heads": 2, "intermediate_size": 16, "vocab_size": 20, "max_position_embeddings": 10,
              "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"}
    with open("bert_micro/config.json", "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    torch.save(micro_bert(config), "bert_micro/pytorch_model.bin")


if __name__ == "__main__":
    main()
