"""Which syntheses to make next (``gfa suggest``): acquisition strategies over the served
``p_meltable``, a diverse batch, a reason per pick, a lab template, and the retrospective
benchmark that chose the default strategy."""
