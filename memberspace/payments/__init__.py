"""Payments: what families pay and how (issue 16). For now, the payment backends only."""
