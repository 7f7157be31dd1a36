#!/usr/bin/python3
"""Makes the PyTorch import fixtures under src/test/resources/imports/ (run from the repo root).

Each fixture is a tiny model of one preset with random weights and moved batch-norm
statistics, saved as safetensors (the format is written by hand here, since the
safetensors package is not installed: an 8-byte little-endian header length, a JSON
header, then raw little-endian data), beside a JSON file with the manifest to import it
and PyTorch's outputs (mu, logvar, decoder mean) for a few inputs, computed in float64
from the float32 weights. CI needs no PyTorch: the outputs are committed.

The two modules below follow pytorch/examples vae/main.py and AntixK/PyTorch-VAE
models/vanilla_vae.py: same module names and layers, sizes as parameters.
"""
import json
import struct

import torch
from torch import nn
from torch.nn import functional as F

OUT = "src/test/resources/imports/"


class ExamplesVAE(nn.Module):
    """pytorch/examples' VAE with its sizes as parameters (784, 400, 20 in the original)."""

    def __init__(self, d, h, k):
        super().__init__()
        self.d = d
        self.fc1 = nn.Linear(d, h)
        self.fc21 = nn.Linear(h, k)
        self.fc22 = nn.Linear(h, k)
        self.fc3 = nn.Linear(k, h)
        self.fc4 = nn.Linear(h, d)

    def encode(self, x):
        h1 = F.relu(self.fc1(x.view(-1, self.d)))
        return self.fc21(h1), self.fc22(h1)

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))


class VanillaVAE(nn.Module):
    """PyTorch-VAE's VanillaVAE (3-channel input, decoder_input viewed as 2x2)."""

    def __init__(self, latent_dim, hidden_dims):
        super().__init__()
        self.last = hidden_dims[-1]
        modules = []
        in_channels = 3
        for h_dim in hidden_dims:
            modules.append(nn.Sequential(nn.Conv2d(in_channels, h_dim, kernel_size=3, stride=2, padding=1),
                                         nn.BatchNorm2d(h_dim), nn.LeakyReLU()))
            in_channels = h_dim
        self.encoder = nn.Sequential(*modules)
        self.fc_mu = nn.Linear(hidden_dims[-1] * 4, latent_dim)
        self.fc_var = nn.Linear(hidden_dims[-1] * 4, latent_dim)
        self.decoder_input = nn.Linear(latent_dim, hidden_dims[-1] * 4)
        dims = list(reversed(hidden_dims))
        modules = []
        for i in range(len(dims) - 1):
            modules.append(nn.Sequential(
                nn.ConvTranspose2d(dims[i], dims[i + 1], kernel_size=3, stride=2, padding=1, output_padding=1),
                nn.BatchNorm2d(dims[i + 1]), nn.LeakyReLU()))
        self.decoder = nn.Sequential(*modules)
        self.final_layer = nn.Sequential(
            nn.ConvTranspose2d(dims[-1], dims[-1], kernel_size=3, stride=2, padding=1, output_padding=1),
            nn.BatchNorm2d(dims[-1]), nn.LeakyReLU(),
            nn.Conv2d(dims[-1], out_channels=3, kernel_size=3, padding=1), nn.Tanh())

    def encode(self, x):
        result = torch.flatten(self.encoder(x), start_dim=1)
        return self.fc_mu(result), self.fc_var(result)

    def decode(self, z):
        result = self.decoder_input(z).view(-1, self.last, 2, 2)
        return self.final_layer(self.decoder(result))


def save_safetensors(path, state_dict, metadata=None):
    """The safetensors format by hand: u64 LE header length, JSON header, raw LE data."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, tensor in state_dict.items():
        t = tensor.detach().contiguous().cpu()
        if t.dtype == torch.float32:
            dtype, data = "F32", t.numpy().astype("<f4").tobytes()
        elif t.dtype == torch.int64:
            dtype, data = "I64", t.numpy().astype("<i8").tobytes()
        else:
            raise ValueError(f"{name}: {t.dtype}")
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for data in blobs:
            f.write(data)


def outputs(model, x, z):
    """mu, logvar, and the decoder mean of z, in float64 from the float32 weights."""
    m = model.double().eval()
    with torch.no_grad():
        mu, logvar = m.encode(x.double())
        mean = m.decode(z.double())
    model.float()
    return {"inputs": x.reshape(len(x), -1).double().tolist(), "mu": mu.tolist(), "logvar": logvar.tolist(),
            "z": z.double().tolist(), "decoded": mean.reshape(len(z), -1).tolist()}


def write(stem, model, manifest, x, z):
    model.eval()
    save_safetensors(OUT + stem + ".safetensors", model.state_dict())
    expected = outputs(model, x, z)
    expected["manifest"] = manifest
    with open(OUT + stem + ".json", "w") as f:
        json.dump(expected, f)


def main():
    torch.manual_seed(13)
    # pytorch/examples, tiny: 1x8x8 inputs, 16 hidden, 4 latent
    examples = ExamplesVAE(64, 16, 4)
    for p in examples.parameters():
        p.data.mul_(3)
    x = torch.rand(3, 1, 8, 8)
    write("pytorch-examples-vae", examples,
          {"preset": "pytorch-examples-vae", "name": "tiny examples VAE", "inputShape": [1, 8, 8], "hidden": 16,
           "latentSize": 4}, x, torch.randn(3, 4))

    # VanillaVAE, tiny: 3x8x8 inputs, hidden dims [4, 8], latent 6
    vanilla = VanillaVAE(6, [4, 8])
    for m in vanilla.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    vanilla.train()
    with torch.no_grad():
        for _ in range(5):
            batch = torch.rand(8, 3, 8, 8) * 2 - 1
            mu, logvar = vanilla.encode(batch)
            vanilla.decode(mu + torch.randn_like(mu) * torch.exp(0.5 * logvar))
    vanilla.eval()
    x = torch.rand(3, 3, 8, 8) * 2 - 1
    write("pytorch-vae-vanilla", vanilla,
          {"preset": "pytorch-vae-vanilla", "name": "tiny VanillaVAE", "imageSize": 8, "hiddenDims": [4, 8],
           "latentSize": 6, "sigma": 0.5}, x, torch.randn(3, 6))


if __name__ == "__main__":
    main()
