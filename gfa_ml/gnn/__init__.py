"""Graph neural networks: periodic crystal graphs (CGCNN-style), building-block graphs for
records without a structure, Td pretraining and transfer to the glass targets.

Modules: ``crystal_graph`` (PBC graph + batch-safe edge vectors), ``building_block`` (metal +
ligand-SMILES cluster graph), ``graph_cache`` (on-disk cache), ``material_graphs`` (material
frame -> graphs with reasons), ``model`` (network), ``train`` (atom-budget batching, early
stopping), ``pretrain`` (Td proxy), ``checkpoint``, ``model_adapter`` (registered ``gnn``,
``gnn_frozen``, ``gnn_scratch``). CLI: ``gfa gnn pretrain``.
"""
