"""Runs llama.cpp's HTTP server (the `xllamacpp` wheel) until stdin closes or SIGTERM.

Run by `tests/support/llama_server.py` with the interpreter of `.cache/llama-venv` (not the
project's venv, which does not have `xllamacpp`). Prints "listening <base URL>" once the socket is
bound (the model is then still loading: wait for `/health`). Closing stdin stops it, so the
server cannot outlive a test process that dies.

Usage: python serve.py MODEL.gguf [--template FILE.jinja] [--threads 1] [--n-predict 64]
"""

from __future__ import annotations

import argparse
import sys

import xllamacpp


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--template", help="a Jinja chat template replacing the model's own")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n-predict", type=int, default=64, help="default cap on generated tokens")
    p.add_argument("--ctx", type=int, default=4096)
    p.add_argument("--alias", default="smollm2")
    args = p.parse_args()
    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # the system picks a free port; listening_address says which
    # One thread for prompt and generation: on a busy 2-core machine two threads collapse to
    # about 1 token/s, one gives 70-100 tokens/s.
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.n_ctx = args.ctx
    params.n_predict = args.n_predict
    params.model_alias = {args.alias}  # a set: a plain str becomes one alias per character
    params.use_jinja = True
    if args.template:
        with open(args.template, encoding="utf-8") as f:
            params.chat_template = f.read()
    server = xllamacpp.Server(params)
    print("listening", server.listening_address, flush=True)
    sys.stdin.read()  # until the parent closes it (or dies)


if __name__ == "__main__":
    main()
