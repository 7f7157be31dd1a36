#!/usr/bin/python3
"""The peer of bench/conv-serving.sh: a FastAPI + PyTorch server of the service's own conv model.

It reads a safetensors file the service exported (GET /models/{id}/export?format=safetensors), builds the network
from the architecture in the file's import manifest (conv2d, conv-transpose2d, batch-norm, activation, flatten,
dense, reshape: the layer list the service trains) and loads the file's tensors into it by their state-dict names,
so both sides compute with the same float32 weights and running statistics. /encode answers like the shared peer's
(μ, σ, log σ² per input), in eval mode (batch norm on its running statistics), one thread, async handler.

    CONV_MODEL=model.safetensors /usr/bin/python3 -m uvicorn conv_serve:app --app-dir bench --port 18092
"""
import json
import os
import struct

import torch
import torch.nn as nn
from fastapi import FastAPI
from pydantic import BaseModel

torch.set_num_threads(1)


def read_safetensors(path):
    """The tensors (float32, by name) and the __metadata__ of a safetensors file."""
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    metadata = header.pop('__metadata__', {})
    body = data[8 + n:]
    tensors = {}
    for name, t in header.items():
        if t['dtype'] != 'F32':
            raise ValueError(f'{name}: only F32 tensors are read, got {t["dtype"]}')
        start, end = t['data_offsets']
        tensors[name] = torch.frombuffer(bytearray(body[start:end]), dtype=torch.float32).reshape(t['shape'])
    return tensors, metadata


def layer(spec, shape):
    """One layer of the service's layer list as a torch module, and the C×H×W (or [features]) shape after it."""
    kind = spec['type']
    if kind == 'conv2d':
        c, h, w = shape
        k, s, p = spec['kernel'], spec['stride'], spec['padding']
        return nn.Conv2d(c, spec['out'], k, s, p), [spec['out'], (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1]
    if kind == 'conv-transpose2d':
        c, h, w = shape
        k, s, p, op = spec['kernel'], spec['stride'], spec['padding'], spec.get('outputPadding', 0)
        return (nn.ConvTranspose2d(c, spec['out'], k, s, p, output_padding=op),
                [spec['out'], (h - 1) * s - 2 * p + k + op, (w - 1) * s - 2 * p + k + op])
    if kind == 'batch-norm':
        return nn.BatchNorm2d(shape[0], eps=spec['eps'], momentum=spec['momentum']) if len(shape) == 3 \
            else nn.BatchNorm1d(shape[0], eps=spec['eps'], momentum=spec['momentum']), shape
    if kind == 'activation':
        f = spec['function']
        module = {'relu': nn.ReLU(), 'tanh': nn.Tanh(), 'sigmoid': nn.Sigmoid(), 'softplus': nn.Softplus(),
                  'elu': nn.ELU(), 'identity': nn.Identity()}.get(f)
        if f == 'leaky-relu':
            module = nn.LeakyReLU(spec['slope'])
        if module is None:
            raise ValueError(f'activation {f} is not known here')
        return module, shape
    if kind == 'flatten':
        n = 1
        for v in shape:
            n *= v
        return nn.Flatten(), [n]
    if kind == 'dense':
        return nn.Linear(shape[0], spec['out']), [spec['out']]
    if kind == 'reshape':
        return nn.Unflatten(1, tuple(spec['shape'])), list(spec['shape'])
    raise ValueError(f'layer type {kind} is not known here')


class Model(nn.Module):
    """Encoder layers, the μ and log σ² heads, decoder layers: the service's Architecture."""

    def __init__(self, architecture):
        super().__init__()
        shape = list(architecture['inputShape'])
        self.input_shape = tuple(shape)
        modules = []
        for spec in architecture['encoder']:
            m, shape = layer(spec, shape)
            modules.append(m)
        self.encoder = nn.Sequential(*modules)
        self.mu = nn.Linear(shape[0], architecture['latentSize'])
        self.logvar = nn.Linear(shape[0], architecture['latentSize'])
        shape, modules = [architecture['latentSize']], []
        for spec in architecture['decoder']:
            m, shape = layer(spec, shape)
            modules.append(m)
        self.decoder = nn.Sequential(*modules)

    def encode(self, x):
        h = self.encoder(x.reshape(-1, *self.input_shape))
        return self.mu(h), self.logvar(h)


def load(path):
    tensors, metadata = read_safetensors(path)
    manifest = json.loads(metadata['vae.import'])
    model = Model(manifest['architecture'])
    # the file's names are ours (module.index.parameter), which nn.Sequential shares; the export maps each of ours
    # to the file's name in the manifest's "tensors"
    state = {ours: tensors[theirs] for ours, theirs in manifest['tensors'].items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith('num_batches_tracked')]
    if missing or unexpected:
        raise ValueError(f'state dict does not fit: missing {missing}, unexpected {unexpected}')
    model.eval()
    return model


m = load(os.environ['CONV_MODEL'])
app = FastAPI()


class Inputs(BaseModel):
    inputs: list[list[float]]


@app.post('/encode')
async def encode(b: Inputs):
    with torch.no_grad():
        mu, lv = m.encode(torch.tensor(b.inputs))
    return {'results': [{'mu': a, 'sigma': s, 'logvar': v}
                        for a, s, v in zip(mu.tolist(), torch.exp(0.5 * lv).tolist(), lv.tolist())]}
