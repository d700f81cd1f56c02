"""Textbook greedy forward selection (Brown, Pocock, Zhao & Lujan, JMLR 2012).

Plain NumPy, written to be obviously right rather than fast: every quantity
is a plug-in entropy of value tuples counted with ``np.unique``, and every
criterion is written as in the paper (JMIM as in Bennasar et al. 2015), with
none of the identities the library uses to vectorise the search.
Data are integer-coded; the first feature is the one of largest I(X;Y) under
every criterion; scores within TIE of the best are ties, won by the lowest
column index.
"""

import numpy as np

TIE = 1e-10


def entropy(*columns):
    """Plug-in joint entropy (nats) of one or more columns of non-negative integers."""
    joint = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:  # mixed-radix code: one value per distinct tuple
        joint = joint * (int(column.max()) + 1) + column
    _, counts = np.unique(joint, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def mi(a, b):
    """I(A; B)."""
    return entropy(a) + entropy(b) - entropy(a, b)


def cmi(a, b, c):
    """I(A; B | C)."""
    return entropy(a, c) + entropy(b, c) - entropy(a, b, c) - entropy(c)


def joint_mi(a, b, y):
    """I(A B; Y): information of the pair (A, B) about Y."""
    return entropy(a, b) + entropy(y) - entropy(a, b, y)


def score(criterion, X, y, k, selected, beta=1.0):
    """J(X_k) given the selected columns, as written in the paper."""
    xk = X[:, k]
    if not selected or criterion == "mim":
        return mi(xk, y)
    others = [X[:, j] for j in selected]
    if criterion == "mifs":
        return mi(xk, y) - beta * sum(mi(xk, xj) for xj in others)
    if criterion == "mrmr":
        return mi(xk, y) - sum(mi(xk, xj) for xj in others) / len(others)
    if criterion == "cife":
        return mi(xk, y) - sum(mi(xk, xj) for xj in others) + sum(
            cmi(xk, xj, y) for xj in others)
    if criterion == "jmi":
        return sum(joint_mi(xk, xj, y) for xj in others)
    if criterion == "jmim":
        return min(joint_mi(xk, xj, y) for xj in others)
    if criterion == "cmim":
        return min(cmi(xk, y, xj) for xj in others)
    if criterion == "icap":
        return mi(xk, y) - sum(max(0.0, mi(xk, xj) - cmi(xk, xj, y)) for xj in others)
    if criterion == "disr":
        total = 0.0
        for xj in others:
            h = entropy(xk, xj, y)
            total += joint_mi(xk, xj, y) / h if h > 0 else 0.0
        return total
    raise ValueError(criterion)


def select(X, y, criterion, k=None, beta=1.0):
    """Indices of the k columns chosen by greedy forward selection, in order."""
    X = np.asarray(X)
    k = X.shape[1] if k is None else k
    selected, remaining = [], list(range(X.shape[1]))
    while remaining and len(selected) < k:
        scores = np.array([score(criterion, X, y, c, selected, beta) for c in remaining])
        best = remaining[int(np.flatnonzero(scores >= scores.max() - TIE)[0])]
        selected.append(best)
        remaining.remove(best)
    return selected
