"""Kabar's evaluation harness: sacrebleu metrics with signatures and CIs, paired significance, ROUGE.

Import submodules as ``from eval import metrics``: ``import eval`` would shadow the builtin.
"""
