"""Structure sources: CoRE MOF sets, CIF folders, CIF parsing."""
