#!/usr/bin/python3
"""Builds the shipped ECG example: a small Conv1d beat classifier for MAX78002.

Writes (relative to the repository root):
  yaml/ecg-net.pth.tar       quantized checkpoint in the izer's format (8-bit integer weights)
  kat/sample_ecg_1x128.npy   one input beat, shape (1, 128), int64 in [-128, 127]

The beats are SYNTHETIC (sums of Gaussians shaped like P/QRS/T waves with class-dependent
morphology, baseline wander and noise); they are not patient data. The five classes follow the
AAMI grouping used with MIT-BIH: N (normal), S (supraventricular ectopic), V (ventricular
ectopic), F (fusion), Q (paced/unclassifiable).

The network (yaml/ecg-net.yaml describes the same thing for the izer):
  conv1: Conv1d 1->16, k=5, pad 2, ReLU                 128 samples
  conv2: max-pool 2/2, Conv1d 16->32, k=5, pad 2, ReLU   64 samples
  conv3: max-pool 4/4, Conv1d 32->32, k=3, pad 1, ReLU   16 samples
  fc:    flatten 32x16 = 512 -> Linear 5, 32-bit output (logits)

Quantization follows the usual MAX7800x convention: activations are int8 = value*128, weights
are w*128*2^-s with a per-layer power-of-two output shift s chosen from the largest |w| (so the
largest weight uses the top of the 8-bit range), bias_int = b*128*2^-s stored as bias_int*128.
A short quantization-aware fine-tuning phase makes the integer network agree with the float one.

Run with Debian's python3 (needs python3-torch, python3-numpy):  /usr/bin/python3 \
scripts/make_ecg_example.py. Re-running produces byte-identical files (fixed seeds, one thread,
deterministic algorithms). The script does not run the izer; see kat/README.md for that step.
"""
import collections
import math
import os
import sys

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

SEED = 78002
CLASSES = ('N', 'S', 'V', 'F', 'Q')
LENGTH = 128
ARCH = 'ai87ecgnet'
ACT_MAX = 127.0 / 128.0  # largest int8 activation (127) in float units

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKPOINT = os.path.join(REPO, 'yaml', 'ecg-net.pth.tar')
SAMPLE = os.path.join(REPO, 'kat', 'sample_ecg_1x128.npy')


# ------------------------------------------------------------------------------------------
# Synthetic beats
# ------------------------------------------------------------------------------------------

def _wave(t, amp, centre, width):
    return amp * np.exp(-0.5 * ((t - centre) / width) ** 2)


def synth_beat(rng, cls):
    """One beat of class `cls` (index into CLASSES), float in about [-1, 1], R peak near 50."""
    t = np.arange(LENGTH, dtype=np.float64)
    r = 50.0 + rng.uniform(-3, 3)

    def amp(a):
        return a * rng.uniform(0.7, 1.3)

    def wid(w):
        return w * rng.uniform(0.75, 1.25)

    x = np.zeros(LENGTH)
    name = CLASSES[cls]
    if name == 'N':  # upright P, narrow QRS, upright T
        x += _wave(t, amp(0.12), r - 24, wid(3.5))
        x += _wave(t, amp(-0.10), r - 4, wid(1.5))
        x += _wave(t, amp(0.85), r, wid(2.0))
        x += _wave(t, amp(-0.20), r + 4, wid(1.8))
        x += _wave(t, amp(0.25), r + 42, wid(7.0))
    elif name == 'S':  # premature: previous T close by, early/inverted P, narrow QRS
        x += _wave(t, amp(0.22), r - 40, wid(6.0))
        x += _wave(t, amp(-0.09), r - 15, wid(3.0))
        x += _wave(t, amp(-0.10), r - 4, wid(1.5))
        x += _wave(t, amp(0.80), r, wid(2.0))
        x += _wave(t, amp(-0.20), r + 4, wid(1.8))
        x += _wave(t, amp(0.22), r + 40, wid(7.0))
    elif name == 'V':  # no P, wide tall QRS, deep S, discordant (inverted) T
        x += _wave(t, amp(0.80), r, wid(5.0))
        x += _wave(t, amp(-0.40), r + 11, wid(5.0))
        x += _wave(t, amp(-0.35), r + 40, wid(9.0))
    elif name == 'F':  # fusion of N and V: small P, medium-width QRS, flat T
        x += _wave(t, amp(0.06), r - 22, wid(3.5))
        x += _wave(t, amp(0.75), r, wid(3.5))
        x += _wave(t, amp(-0.30), r + 7, wid(3.0))
        x += _wave(t, amp(0.06), r + 42, wid(8.0))
    else:  # 'Q' (paced): sharp pacing spike, then a wide QRS and inverted T, no P
        x += _wave(t, amp(0.70), r - 9, wid(0.6))
        x += _wave(t, amp(0.60), r + 2, wid(4.5))
        x += _wave(t, amp(-0.25), r + 12, wid(4.0))
        x += _wave(t, amp(-0.20), r + 42, wid(8.0))
    # Baseline wander and noise
    x += rng.uniform(0, 0.15) * np.sin(2 * np.pi * rng.uniform(0.002, 0.01) * t
                                        + rng.uniform(0, 2 * np.pi))
    x += rng.uniform(-0.05, 0.05)
    x += rng.normal(0, 0.05, LENGTH)
    return x


def to_int8(x):
    """Float beat -> the int8 codes the accelerator reads (value*128, saturated)."""
    return np.clip(np.floor(x * 128.0 + 0.5), -128, 127).astype(np.int64)


def make_set(rng, per_class):
    xs, ys = [], []
    for i in range(per_class * len(CLASSES)):
        cls = i % len(CLASSES)
        xs.append(to_int8(synth_beat(rng, cls)))
        ys.append(cls)
    return np.stack(xs), np.array(ys, dtype=np.int64)


# ------------------------------------------------------------------------------------------
# Model (float, with optional fake quantization that mirrors the accelerator's arithmetic)
# ------------------------------------------------------------------------------------------

def _ste_round(x):
    """floor(x + 0.5) in the forward pass, identity gradient."""
    return x + (torch.floor(x + 0.5) - x).detach()


def out_shift_for(w):
    """Power-of-two output shift from the largest |w|: weights are scaled by 2^-shift so the
    largest one lands in [0.5, 1) of the int8 range (clamped to the hardware's +-15)."""
    limit = float(w.abs().max())
    if limit == 0.0:
        return 0
    return int(min(15, max(-15, -math.floor(math.log2(1.0 / limit)))))


class EcgNet(nn.Module):
    """Layer names become the checkpoint keys (conv1.op.weight, ...)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(1, 16, 5, padding=2)
        self.conv2 = nn.Conv1d(16, 32, 5, padding=2)
        self.conv3 = nn.Conv1d(32, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 16, len(CLASSES))
        self.quantized = False

    def _qparams(self, layer):
        """Weights/bias as the accelerator sees them (fake-quantized when self.quantized)."""
        w, b = layer.weight, layer.bias
        if not self.quantized:
            return w, b
        s = out_shift_for(w.detach())
        scale = 128.0 * 2.0 ** -s
        wq = torch.clamp(_ste_round(w * scale), -128, 127) / scale
        bq = torch.clamp(_ste_round(b * scale), -128, 127) / scale
        return wq, bq

    def _act(self, x):
        x = torch.clamp(x, 0.0, ACT_MAX)
        return _ste_round(x * 128.0) / 128.0 if self.quantized else x

    def forward(self, x):
        x = self._act(F.conv1d(x, *self._qparams(self.conv1), padding=2))
        x = self._act(F.conv1d(F.max_pool1d(x, 2), *self._qparams(self.conv2), padding=2))
        x = self._act(F.conv1d(F.max_pool1d(x, 4), *self._qparams(self.conv3), padding=1))
        return F.linear(x.flatten(1), *self._qparams(self.fc))


def train(model, x, y, epochs, lr, gen):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = x.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()


# ------------------------------------------------------------------------------------------
# Quantized checkpoint and an integer reference of the quantized network
# ------------------------------------------------------------------------------------------

def quantize(model):
    """state_dict in the layout of a quantized ai8x checkpoint: integer-valued float32."""
    sd = collections.OrderedDict()
    for name in ('conv1', 'conv2', 'conv3', 'fc'):
        layer = getattr(model, name)
        w = layer.weight.detach().double()
        b = layer.bias.detach().double()
        s = out_shift_for(w)
        scale = 128.0 * 2.0 ** -s
        wq = torch.clamp(torch.floor(w * scale + 0.5), -128, 127)
        bq = torch.clamp(torch.floor(b * scale + 0.5), -128, 127)
        sd[f'{name}.output_shift'] = torch.tensor([float(s)], dtype=torch.float32)
        sd[f'{name}.weight_bits'] = torch.tensor([8.0], dtype=torch.float32)
        sd[f'{name}.bias_bits'] = torch.tensor([8.0], dtype=torch.float32)
        sd[f'{name}.op.weight'] = wq.float().contiguous()
        sd[f'{name}.op.bias'] = (bq * 128.0).float().contiguous()  # bias_int * 128
    return sd


def integer_forward(sd, x_int):
    """The quantized network on int8 inputs (N, 1, 128): returns the int32 fc accumulators.
    acc = sum(w*x) + bias_int*128; 8-bit layers keep clamp(floor(acc*2^s/128 + 0.5)) then
    ReLU. All values are small integers, so float64 arithmetic is exact."""
    x = x_int.double()
    pads = {'conv1': 2, 'conv2': 2, 'conv3': 1}
    pools = {'conv1': 1, 'conv2': 2, 'conv3': 4}
    for name in ('conv1', 'conv2', 'conv3'):
        w = sd[f'{name}.op.weight'].double()
        bias_acc = torch.floor(sd[f'{name}.op.bias'].double() / 128.0) * 128.0
        s = int(sd[f'{name}.output_shift'][0])
        if pools[name] > 1:
            x = F.max_pool1d(x, pools[name])
        acc = F.conv1d(x, w, bias_acc, padding=pads[name])
        x = torch.clamp(torch.floor(acc * 2.0 ** (s - 7) + 0.5), -128, 127).clamp(min=0)
    w = sd['fc.op.weight'].double()
    bias_acc = torch.floor(sd['fc.op.bias'].double() / 128.0) * 128.0
    return F.linear(x.flatten(1), w, bias_acc).long()


# ------------------------------------------------------------------------------------------

def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(SEED)
    gen = torch.Generator().manual_seed(SEED)

    xtr, ytr = make_set(rng, 400)
    xte, yte = make_set(rng, 100)
    xtr_f = torch.from_numpy(xtr).float().unsqueeze(1) / 128.0
    xte_f = torch.from_numpy(xte).float().unsqueeze(1) / 128.0
    ytr_t, yte_t = torch.from_numpy(ytr), torch.from_numpy(yte)

    model = EcgNet()
    train(model, xtr_f, ytr_t, epochs=12, lr=3e-3, gen=gen)  # float
    with torch.no_grad():
        acc_float = (model(xte_f).argmax(1) == yte_t).float().mean().item()
    model.quantized = True
    train(model, xtr_f, ytr_t, epochs=4, lr=5e-4, gen=gen)  # quantization-aware fine-tuning
    model.quantized = False

    sd = quantize(model)
    with torch.no_grad():
        acc_qat_float = (model(xte_f).argmax(1) == yte_t).float().mean().item()
        pred_int = integer_forward(sd, torch.from_numpy(xte).unsqueeze(1)).argmax(1)
        model.quantized = True
        pred_fake = model(xte_f).argmax(1)
        model.quantized = False
    acc_int = (pred_int == yte_t).float().mean().item()
    agree = (pred_int == pred_fake).float().mean().item()

    # The KAT sample: the first held-out normal (N) beat that the float and the integer
    # networks both classify correctly.
    with torch.no_grad():
        pred_float = model(xte_f).argmax(1)
    pick = next(i for i in range(len(yte))
                if yte[i] == CLASSES.index('N') and pred_float[i] == yte[i]
                and pred_int[i] == yte[i])
    sample = xte[pick].reshape(1, LENGTH).astype(np.int64)
    logits = integer_forward(sd, torch.from_numpy(sample).unsqueeze(0))[0].tolist()

    os.makedirs(os.path.dirname(CHECKPOINT), exist_ok=True)
    os.makedirs(os.path.dirname(SAMPLE), exist_ok=True)
    torch.save({'epoch': 16, 'state_dict': sd, 'arch': ARCH}, CHECKPOINT)
    np.save(SAMPLE, sample)

    print(f'test accuracy: float {acc_float:.3f} -> after QAT float {acc_qat_float:.3f}, '
          f'integer {acc_int:.3f} (integer vs fake-quant agreement {agree:.3f})')
    for name in ('conv1', 'conv2', 'conv3', 'fc'):
        w = sd[f'{name}.op.weight']
        b = sd[f'{name}.op.bias'] / 128
        print(f'  {name}: output_shift {int(sd[name + ".output_shift"][0]):+d}, '
              f'weights [{int(w.min())}, {int(w.max())}], bias_int [{int(b.min())}, '
              f'{int(b.max())}]')
    print(f'sample: held-out beat #{pick} (class N), int8 range [{sample.min()}, {sample.max()}]')
    print('integer-reference logits (N S V F Q):', logits)
    print(f'wrote {os.path.relpath(CHECKPOINT, REPO)} and {os.path.relpath(SAMPLE, REPO)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
