"""Backup and restore of one tenant: its schema's rows, its registry row, its shared rows
(problem bank, reminders) and its evidence files, as one checked archive."""
