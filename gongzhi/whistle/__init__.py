"""Whistle and report (吹哨报到): events escalated from a grid to departments, their six steps, deadlines, lights, rates and the weekly report."""
