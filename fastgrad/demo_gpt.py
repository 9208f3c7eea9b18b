"""python -m fastgrad.demo --model gpt — a character-level GPT on a Shakespeare excerpt, written as plain
PyTorch code: the import below is the only line that names fastgrad, and
``FASTGRAD_DEMO_BACKEND=torch python -m fastgrad.demo_gpt`` runs this same file under PyTorch.

The model is the usual small GPT (token and position embeddings, pre-norm blocks of causal
self-attention and a GELU MLP, a final LayerNorm, an output layer tied to the token embedding),
trained with AdamW (weight decay on matrices only), warm-up then cosine learning-rate decay set by
hand on each param_group, gradient clipping, and sampled with multinomial and top-k.
"""
import argparse
import gzip
import math
import os
import time

import numpy as np

if os.environ.get("FASTGRAD_DEMO_BACKEND") == "torch":  # pragma: no cover (the comparison run)
    import torch
else:
    import fastgrad as torch
nn = torch.nn
F = torch.nn.functional

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "shakespeare.txt.gz")


class Config:
    """Model size: layers, heads, embedding width, context length, vocabulary, dropout."""

    def __init__(self, n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65, dropout=0.0, bias=True):
        self.n_layer, self.n_head, self.n_embd, self.block_size = n_layer, n_head, n_embd, block_size
        self.vocab_size, self.dropout, self.bias = vocab_size, dropout, bias


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t sees positions <= t."""

    def __init__(self, cfg):
        super().__init__()
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=cfg.bias)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.resid_dropout = nn.Dropout(cfg.dropout)
        self.n_head, self.dropout = cfg.n_head, cfg.dropout

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=cfg.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """Token ids (B, T) -> next-token logits (B, T, vocab), and the cross-entropy when targets are given."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(cfg.vocab_size, cfg.n_embd),
            wpe=nn.Embedding(cfg.block_size, cfg.n_embd),
            drop=nn.Dropout(cfg.dropout),
            h=nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)]),
            ln_f=nn.LayerNorm(cfg.n_embd, bias=cfg.bias)))
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying: one parameter, two uses
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        t = idx.size(1)
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss

    def configure_optimizer(self, lr, weight_decay=0.1, betas=(0.9, 0.99)):
        """AdamW with two groups: weight decay on the matrices (dim >= 2) only."""
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
        return torch.optim.AdamW(groups, lr=lr, betas=betas)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.cfg.block_size:])
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                logits[logits < v[:, [-1]]] = -float("Inf")
            idx_next = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


def under_torch():
    """This file imported a second time with torch as its backend (for side-by-side runs and tests)."""
    import importlib.util
    previous = os.environ.get("FASTGRAD_DEMO_BACKEND")
    os.environ["FASTGRAD_DEMO_BACKEND"] = "torch"
    try:
        spec = importlib.util.spec_from_file_location("demo_gpt_under_torch", __file__)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        if previous is None:
            del os.environ["FASTGRAD_DEMO_BACKEND"]
        else:
            os.environ["FASTGRAD_DEMO_BACKEND"] = previous
    return module


def load_text(path=DATA):
    """(train ids, val ids, itos): the text's characters as ids, split 90% / 10%."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    ids = np.array([stoi[c] for c in text], dtype=np.uint16)
    n = int(0.9 * len(ids))
    return ids[:n], ids[n:], chars


def get_batch(data, block_size, batch_size, rng):
    """Random windows of block_size tokens and the same windows shifted by one (numpy draws, so the
    batches are the same under either backend)."""
    ix = rng.integers(0, len(data) - block_size, batch_size)
    x = np.stack([data[i:i + block_size] for i in ix]).astype(np.int64)
    y = np.stack([data[i + 1:i + 1 + block_size] for i in ix]).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def lr_at(step, lr, warmup, steps, min_lr):
    """Linear warm-up to lr, then cosine decay to min_lr at the last step."""
    if step < warmup:
        return lr * (step + 1) / warmup
    ratio = (step - warmup) / max(1, steps - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * min(ratio, 1.0))) * (lr - min_lr)


@torch.no_grad()
def estimate_loss(model, data, cfg, batch_size, iters, seed):
    model.eval()
    rng = np.random.default_rng(seed)
    losses = [model(*get_batch(data, cfg.block_size, batch_size, rng))[1].item() for _ in range(iters)]
    model.train()
    return float(np.mean(losses))


def train(model, train_data, cfg, steps, batch_size=12, lr=1e-3, warmup=50, seed=0, log=None, log_every=50):
    """Train for ``steps`` AdamW steps; returns the per-step training losses."""
    opt = model.configure_optimizer(lr)
    rng = np.random.default_rng(seed)
    losses = []
    t0, tokens = time.perf_counter(), 0
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, lr, warmup, steps, lr / 10)
        x, y = get_batch(train_data, cfg.block_size, batch_size, rng)
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        tokens += x.numel()
        if log is not None and (step % log_every == 0 or step == steps - 1):
            dt = time.perf_counter() - t0
            log(f"step {step:5d}/{steps}  loss {losses[-1]:.4f}  lr {opt.param_groups[0]['lr']:.2e}  "
                f"{tokens / dt:9,.0f} tokens/s")
    return losses


def _parser():
    p = argparse.ArgumentParser(prog="python -m fastgrad.demo --model gpt", description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=2000, help="training steps")
    p.add_argument("--batch-size", type=int, default=12)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--context", type=int, default=64)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--sample", type=int, default=300, help="characters to generate at the end")
    return p


def main(argv=None) -> dict:
    """Train, report the validation loss, print a sample; returns the metrics."""
    args = _parser().parse_args(argv)
    torch.manual_seed(args.seed)
    train_data, val_data, chars = load_text()
    cfg = Config(args.layers, args.heads, args.width, args.context, len(chars), args.dropout)
    model = GPT(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    backend = "torch " + torch.__version__ if torch.__name__ == "torch" else "fastgrad"
    print(f"char GPT ({backend}): {cfg.n_layer} layers, {cfg.n_head} heads, width {cfg.n_embd}, context "
          f"{cfg.block_size}, {n_params:,} parameters; {len(train_data):,} training characters")
    t0 = time.perf_counter()
    losses = train(model, train_data, cfg, args.steps, args.batch_size, args.lr, seed=args.seed, log=print,
                   log_every=max(1, args.steps // 10))
    seconds = time.perf_counter() - t0
    val = estimate_loss(model, val_data, cfg, 32, 20, seed=args.seed + 1)
    print(f"validation loss {val:.4f} after {args.steps} steps in {seconds:.1f} s "
          f"({args.steps * args.batch_size * cfg.block_size / seconds:,.0f} tokens/s)")
    sample = ""
    if args.sample:
        start = torch.zeros((1, 1), dtype=torch.long)
        out = model.generate(start, args.sample, temperature=0.8, top_k=20)[0].tolist()
        sample = "".join(chars[i] for i in out)
        print("sample:\n" + sample)
    return {"val_loss": val, "train_loss": losses[-1], "seconds": seconds, "sample": sample}


if __name__ == "__main__":
    main()
