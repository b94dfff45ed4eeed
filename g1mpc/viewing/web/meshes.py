"""The robot's visual geometry as triangle meshes for the browser: the model's own meshes, made lighter
by vertex clustering, and its primitive geoms as small meshes."""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np
import trimesh

VISUAL_GROUPS = (0, 1, 2)  # Menagerie puts visual geoms in group 2 and collision geoms in group 3


@dataclass(frozen=True)
class GeomMesh:
    """One visual geom: its body, its pose in the body (position (3,), quaternion w, x, y, z (4,)), a mesh
    (vertices (V, 3), faces (F, 3)) and its colour (RGB 0-255)."""

    body: int
    position: np.ndarray
    quaternion: np.ndarray
    vertices: np.ndarray
    faces: np.ndarray
    color: tuple[int, int, int]


def cluster_vertices(vertices: np.ndarray, faces: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge vertices within the same ``cell`` (m) cube and drop the faces that collapse: a coarse, fast
    simplification (a 196 k-vertex G1 becomes a few tens of thousands at 5 mm)."""
    if cell <= 0:
        return vertices, faces
    keys = np.floor(vertices / cell).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    sums = np.zeros((len(first), 3))
    np.add.at(sums, inverse, vertices)
    merged = sums / np.bincount(inverse, minlength=len(first))[:, None]
    remapped = inverse[faces]
    keep = (remapped[:, 0] != remapped[:, 1]) & (remapped[:, 1] != remapped[:, 2]) & (remapped[:, 0] != remapped[:, 2])
    return merged.astype(np.float32), remapped[keep].astype(np.uint32)


def _primitive(model: mujoco.MjModel, geom: int) -> trimesh.Trimesh | None:
    kind, size = model.geom_type[geom], model.geom_size[geom]
    if kind == mujoco.mjtGeom.mjGEOM_BOX:
        return trimesh.creation.box(extents=2 * size)
    if kind == mujoco.mjtGeom.mjGEOM_SPHERE:
        return trimesh.creation.icosphere(subdivisions=2, radius=size[0])
    if kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
        return trimesh.creation.capsule(height=2 * size[1], radius=size[0], count=(12, 12))
    if kind == mujoco.mjtGeom.mjGEOM_CYLINDER:
        return trimesh.creation.cylinder(radius=size[0], height=2 * size[1], sections=16)
    if kind == mujoco.mjtGeom.mjGEOM_ELLIPSOID:
        sphere = trimesh.creation.icosphere(subdivisions=2, radius=1.0)
        sphere.apply_scale(size)
        return sphere
    return None  # planes, heightfields: the floor is drawn as a grid


def visual_meshes(model: mujoco.MjModel, cell: float = 0.005) -> list[GeomMesh]:
    """Every visible geom of the robot's bodies (not the world body) in the visual groups."""
    out = []
    for g in range(model.ngeom):
        body = int(model.geom_bodyid[g])
        if body == 0 or model.geom_group[g] not in VISUAL_GROUPS or model.geom_rgba[g, 3] <= 0:
            continue
        if model.geom_type[g] == mujoco.mjtGeom.mjGEOM_MESH:
            mesh = int(model.geom_dataid[g])
            v0, nv = model.mesh_vertadr[mesh], model.mesh_vertnum[mesh]
            f0, nf = model.mesh_faceadr[mesh], model.mesh_facenum[mesh]
            vertices, faces = cluster_vertices(model.mesh_vert[v0:v0 + nv].astype(np.float64), model.mesh_face[f0:f0 + nf], cell)
        else:
            prim = _primitive(model, g)
            if prim is None:
                continue
            vertices, faces = prim.vertices.astype(np.float32), prim.faces.astype(np.uint32)
        rgba = model.geom_rgba[g]
        if model.geom_matid[g] >= 0:
            rgba = model.mat_rgba[model.geom_matid[g]]
        color = tuple(int(255 * c) for c in rgba[:3])
        out.append(GeomMesh(body, model.geom_pos[g].copy(), model.geom_quat[g].copy(), vertices, faces, color))
    return out
