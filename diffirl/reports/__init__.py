"""Tables and figures: each target is built from pipeline outputs, the thesis's numbers beside ours."""
