"""The probe: every stage of the study run at a scale's sizes with its loops capped, priced at the full
scale (``make probe SCALE=paper``, ``reports/paper_cost.csv``), and the SLURM resources that follow."""
