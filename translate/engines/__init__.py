"""Translation engines; each is imported only when it is chosen."""
