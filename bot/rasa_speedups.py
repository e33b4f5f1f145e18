"""Runtime speedups of the Rasa server that change none of its outputs (same parse, same chosen action, same
replies); each is checked against the slow path on real inputs in tests/bot/test_rasa_speedups.py and measured
by bench/load/components.py.

**1. The action server's answers, schema checked once.** Rasa checks every answer of the action server with
``jsonschema.validate(result, schema)``, which first checks the (constant) schema itself against the Draft
2020-12 meta-schema: about 18 ms of every custom action on these cores, before the answer is even looked at. A matching turn runs two or three custom
actions (the form's validation, its question or the matches, and at the start action_start_matching),
so that check was about 40 % of the turn; a search turn runs one.

``install()`` gives ``RemoteAction`` the same check with the validator built once (the schema checked
once, at install): every answer is still validated against the same schema; an answer that fails goes
through Rasa's own method, so the error raised and its message are Rasa's. Installed in every process
that runs Rasa (``bot/__init__.py``: Rasa imports this package for the custom NLU components); nothing
changes for a process without Rasa (the action server, the eligibility service).

**2. TED predicts only when its prediction could be chosen.** The dialogue policies are nodes of Rasa's prediction
graph: Memoization, Rules and TED each predict, and ``DefaultPolicyPredictionEnsemble`` keeps the prediction with
the highest (max confidence, policy priority), after "no user" and end-to-end predictions have overruled the others
and a rejected action's confidence has been set to 0. A rule or a memorised story predicts with confidence 1.0 at
priority 6 or 3; TED's confidences are a softmax (at most 1.0: the top class is exp(0) = 1 divided by a sum of at
least 1, and TF's multiply-by-the-inverse keeps every product at most 1) at priority 1, so whenever a rule or a
memorised story has decided, TED's prediction is computed and thrown away — about a third of a turn's CPU.
``install()`` wraps, in every prediction graph built afterwards, the TED node in a deferral and the ensemble node
in a step that runs TED only when no other prediction is certain to beat any TED prediction (the same test the
ensemble applies, with TED's confidence at its bound 1.0). Otherwise TED runs exactly as before, with the same
inputs. Only a TED that predicts from intents (no end-to-end text features: its prediction is never end-to-end
nor "no user") with softmax confidences is deferred; any other graph is left as it is.

**3. The linear intent classifier multiplies by its coefficients without copying them.** scikit-learn's
``LogisticRegression.decision_function`` computes ``X @ coef_.T``; with ``X`` sparse, scipy ravels the dense
operand in C order, and ``coef_.T`` of a C-ordered ``coef_`` (27 classes × 69,669 n-grams, float64) is
Fortran-ordered: a 15 MB copy on every message (1.9 ms of 2.3 here). The loaded classifier's ``coef_`` is kept in
Fortran order, so ``coef_.T`` is C-contiguous and used as it is: the same numbers multiplied in the same order,
bit for bit the same probabilities (the trained file is not touched; bot/components/ is a training input).

**4. Sparse features joined without scipy's general block machinery.** Before DIET and the ResponseSelector,
Rasa joins each message's sparse features (two count vectorisers, lexical, regex) with ``scipy.sparse.hstack``,
i.e. ``bmat``: about 100 µs per join for matrices of a few rows, ten joins per message. Two ``coo_matrix`` blocks
are joined here by the same steps ``bmat`` takes for them (same dtype by ``upcast``, same index dtype, data, rows
and columns concatenated in block order with the same ``np.add`` offsets): the same matrix, array for array.
Anything else (another format, mismatched rows) goes through Rasa's own method.

**5. The action server's answers checked by a compiled validator.** Even built once, the Python validator walks
the events' ``oneOf`` over every event type: about 0.85 ms per answer. ``jsonschema_rs`` (pinned in the lock file;
schemathesis needs it) compiles the same schema (Draft 2020-12): 2.5 µs. An answer it accepts is accepted; one
it rejects goes to the Python validator and then Rasa's own method, so a rejection still raises Rasa's error with
Rasa's message. Both validators give the same verdict on every answer of the test stories' conversations and on
the malformed answers of tests/bot/test_rasa_speedups.py.

**6. An event's class found by a dictionary.** Rasa turns every stored or returned event into an object through
``Event.resolve_by_type``, which walks ``all_subclasses(Event)`` (with ``inspect.isabstract`` on each of ~40
classes) for every event: about 0.1 ms an event, and every turn deserialises the whole tracker. The same search
is done once and its answers kept by type name; a name it does not know (a class imported later) searches again.

**7. The ResponseSelector runs only for its own intent.** The selector picks the chitchat answer; its result is
read only when the message's intent is the retrieval intent (``MessageProcessor._update_full_retrieval_intent``
and ``ActionRetrieveResponse``, both for that intent only). It runs after every component that sets the intent
except the FallbackClassifier, which can only replace an intent by ``nlu_fallback``; so for a message whose
intent is another, its prediction (a second TensorFlow model, ~2 ms CPU with its features) is never used. Such a
message now carries ``response_selector`` with the list of retrieval intents and no prediction; a message of the
retrieval intent gets exactly the stock prediction.

**8. Features combined from a plain copy.** Before joining a message's features, Rasa copies the first block
with ``copy.deepcopy``, which walks the scipy matrix attribute by attribute (~0.3 ms a message here, more
under load). The copy is made here with the matrix's own ``copy()`` (its arrays copied, same dtype, shape and
values) and the same type, attribute, origin and cached fingerprint; the join that follows is unchanged.

**9. A model loaded without tracing a training step.** To give a TensorFlow model (DIET, TED, the
ResponseSelector) its variables before reading the trained weights, ``RasaModel.load`` compiles it and fits it on
one example. Compiled as Rasa compiles it, that fit first traces the whole training step (forward pass, gradients,
optimizer) into a graph: about 100 s of a 130 s model load on these cores, for each Rasa server that starts. Here
the training step's forward pass (``batch_loss``, which uses every layer, the training-only ones included) runs
once eagerly on that example instead: every layer gets its variables, the trained weights are read into them as
before, and the first prediction traces the same ``tf.function`` on the same weights. The optimizer's slots are
not made (their saved values serve only training: Adam created them in another order when run eagerly, so they
cannot be matched by creation). Fine-tuning (``finetune_mode``) and a model configured to run eagerly load the
stock way.

``set_enabled(False)`` turns the runtime speedups off (TED then always runs, the coefficients are C-ordered again,
features are joined by scipy, the Python validator checks answers, event classes are searched, the
ResponseSelector runs for every message, a model loads the stock way; the schema is still checked once): for the benchmark and the tests that compare both paths."""

from __future__ import annotations

import functools
import weakref
from typing import Any, Callable, Dict, List, Optional, Tuple

MARK = "_policybot_checked_once"
GRAPH_MARK = "_policybot_lazy_ted"
_state: Dict[str, bool] = {"enabled": True}


def set_enabled(on: bool) -> None:
    """Runtime switch of the speedups (TED's deferral, the coefficients' order); for benchmarks and tests."""
    _state["enabled"] = bool(on)
    for estimator, (c_order, f_order) in list(_coefficients.items()):
        estimator.coef_ = f_order if on else c_order


def enabled() -> bool:
    return _state["enabled"]


def install() -> bool:
    """Patch Rasa (idempotent). False when Rasa is not importable."""
    try:
        from jsonschema import validators
        from rasa.core.actions.action import RemoteAction
        from rasa.engine.runner.dask import DaskGraphRunner
    except ImportError:
        return False
    _install_schema_once(RemoteAction, validators)
    _install_lazy_ted(DaskGraphRunner)
    _install_coo_hstack()
    _install_event_classes()
    _install_selector_for_its_intent()
    _install_plain_feature_copy()
    _install_eager_build()
    return True


def _install_schema_once(RemoteAction: Any, validators: Any) -> None:  # noqa: N803 - Rasa's class
    if getattr(RemoteAction, MARK, False):
        return
    spec_of = RemoteAction.action_response_format_spec
    schema = spec_of()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    compiled = compiled_validator(schema)
    stock: Callable[[Any, Dict[str, Any]], bool] = RemoteAction._validate_action_result

    def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
        if type(self).action_response_format_spec is spec_of:
            if compiled is not None and enabled() and compiled.is_valid(result):
                return True
            if validator.is_valid(result):
                return True
        return stock(self, result)  # Rasa's own check: its ValidationError and message

    RemoteAction._validate_action_result = _validate_action_result
    setattr(RemoteAction, MARK, True)


def compiled_validator(schema: Dict[str, Any]) -> Any:
    """``jsonschema_rs``'s validator for ``schema``, or None when the package is absent or refuses the schema."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    try:
        return jsonschema_rs.validator_for(schema)
    except Exception:  # noqa: BLE001 - any refusal: keep the Python validator alone
        return None


# ---- 2. TED only when it could win ------------------------------------------------------------------------

TED_BOUND = 1.0  # the highest confidence a softmax TED can give


class DeferredPrediction:
    """What the prediction graph passes on in place of TED's prediction: TED's node and its inputs, run on
    ``resolve()``."""

    __slots__ = ("node", "inputs")

    def __init__(self, node: Any, inputs: Tuple[Any, ...]) -> None:
        self.node, self.inputs = node, inputs

    def resolve(self) -> Any:
        return self.node(*self.inputs)[1]


class LazyPolicyNode:
    """Stands in for a TED node of the prediction graph: returns its deferred prediction (while enabled)."""

    def __init__(self, node: Any) -> None:
        self.node = node

    def __call__(self, *inputs: Any) -> Tuple[str, Any]:
        if not enabled():
            return self.node(*inputs)  # type: ignore[no-any-return]
        return self.node._node_name, DeferredPrediction(self.node, inputs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.node, name)


def rejected_action(tracker: Any) -> Optional[str]:
    """The action the ensemble zeroes in every prediction: the last action event, when it was a rejection
    (``DefaultPolicyPredictionEnsemble._best_policy_prediction``)."""
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected

    for event in reversed(tracker.events):
        if isinstance(event, ActionExecutionRejected):
            return str(event.action_name)
        if isinstance(event, ActionExecuted):
            return None
    return None


def decided_without(others: List[Any], deferred_priority: int, tracker: Any, domain: Any) -> bool:
    """True when ``DefaultPolicyPredictionEnsemble`` picks one of ``others`` whatever a non-end-to-end, not
    "no user" prediction of priority ``deferred_priority`` and confidence at most TED_BOUND would be."""
    if any(p.is_no_user_prediction for p in others):
        return True  # "no user" predictions overrule the rest, TED's among them
    if any(p.is_end_to_end_prediction for p in others):
        return True  # end-to-end predictions overrule TED's (never end-to-end here)
    rejected = rejected_action(tracker)
    index = domain.index_for_action(rejected) if rejected else None
    for p in others:
        scores = [c for i, c in enumerate(p.probabilities) if i != index]
        if scores and (max(scores), p.policy_priority) > (TED_BOUND, deferred_priority):
            return True
    return False


class LazyEnsembleNode:
    """The ensemble node of the prediction graph: resolves a deferred TED prediction only when it could be
    chosen, otherwise passes nothing in its place (the ensemble keeps only ``PolicyPrediction`` inputs)."""

    def __init__(self, node: Any, priorities: Dict[str, int]) -> None:
        self.node, self.priorities = node, priorities

    def __call__(self, *inputs: Any) -> Tuple[str, Any]:
        from rasa.core.policies.policy import PolicyPrediction

        deferred = [(i, v) for i, v in enumerate(inputs) if isinstance(v, tuple) and isinstance(v[1], DeferredPrediction)]
        if not deferred:
            return self.node(*inputs)  # type: ignore[no-any-return]
        values = {v[0]: v[1] for v in inputs if isinstance(v, tuple)}
        names = self.node._inputs
        tracker, domain = values.get(names.get("tracker")), values.get(names.get("domain"))
        others = [v for v in values.values() if isinstance(v, PolicyPrediction)]
        out = list(inputs)
        for i, (name, value) in deferred:
            if enabled() and tracker is not None and domain is not None and others and decided_without(
                    others, self.priorities[name], tracker, domain):
                out[i] = (name, None)
            else:
                out[i] = (name, value.resolve())
        return self.node(*out)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.node, name)


def deferrable_ted(node: Any) -> bool:
    """A TED node whose prediction is never end-to-end nor "no user" and whose confidences are a softmax."""
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.shared.nlu.constants import TEXT
    from rasa.utils.tensorflow.constants import MODEL_CONFIDENCE, SOFTMAX

    component = getattr(node, "_component", None)
    return (isinstance(node, _graph_node()) and issubclass(node._component_class, TEDPolicy)
            and node._fn_name == "predict_action_probabilities" and "precomputations" not in node._inputs
            and component is not None and getattr(component, "config", {}).get(MODEL_CONFIDENCE) == SOFTMAX
            and not getattr(component, "only_e2e", True) and TEXT not in getattr(component, "fake_features", {TEXT: 1})
            and isinstance(getattr(component, "priority", None), int))


def _graph_node() -> Any:
    from rasa.engine.graph import GraphNode

    return GraphNode


def lazy_ted(nodes: Dict[str, Any]) -> Dict[str, Any]:
    """The graph's nodes with every deferrable TED node that feeds only the default ensemble wrapped."""
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble

    out = dict(nodes)
    for name, node in nodes.items():
        if not (isinstance(node, _graph_node()) and node._component_class is DefaultPolicyPredictionEnsemble
                and node._fn_name == "combine_predictions_from_kwargs"):
            continue
        teds = {}
        for provider in node._inputs.values():
            feeds = [n for n, other in nodes.items() if provider in getattr(other, "_inputs", {}).values()]
            if provider in nodes and deferrable_ted(nodes[provider]) and feeds == [name]:
                teds[provider] = int(nodes[provider]._component.priority)
        if teds:
            for provider in teds:
                out[provider] = LazyPolicyNode(nodes[provider])
            out[name] = LazyEnsembleNode(node, teds)
    return out


def _install_lazy_ted(DaskGraphRunner: Any) -> None:  # noqa: N803 - Rasa's class
    if getattr(DaskGraphRunner, GRAPH_MARK, False):
        return
    stock = DaskGraphRunner._instantiate_nodes

    def _instantiate_nodes(*args: Any, **kwargs: Any) -> Dict[str, Any]:
        nodes = stock(*args, **kwargs)
        for node in nodes.values():
            linear_coefficients_in_fortran_order(getattr(node, "_component", None))
        return lazy_ted(nodes)

    DaskGraphRunner._instantiate_nodes = staticmethod(_instantiate_nodes)
    setattr(DaskGraphRunner, GRAPH_MARK, True)


# ---- 3. the linear intent classifier's coefficients ----------------------------------------------------------

LINEAR_INTENT = "bot.components.linear_intent"
# estimator -> (coef_ as trained, coef_ in Fortran order); weak, so a model dropped is freed
_coefficients: weakref.WeakKeyDictionary[Any, Tuple[Any, Any]] = weakref.WeakKeyDictionary()


def linear_coefficients_in_fortran_order(component: Any) -> bool:
    """Keeps the coefficients of a loaded ``LinearIntentClassifier``'s logistic regression in Fortran order
    (``coef_.T`` C-contiguous). True when it did."""
    if component is None or type(component).__module__ != LINEAR_INTENT:
        return False
    model = getattr(component, "_model", None)
    steps = getattr(model, "steps", None)
    estimator: Any = steps[-1][1] if steps else None
    coef = getattr(estimator, "coef_", None)
    if estimator is None or coef is None or getattr(coef, "ndim", 0) != 2:
        return False
    import numpy as np

    fortran = np.asfortranarray(coef)
    _coefficients[estimator] = (coef, fortran)
    if enabled():
        estimator.coef_ = fortran
    return True


# ---- 4. sparse features joined -------------------------------------------------------------------------------

COO_MARK = "_policybot_coo_hstack"


def coo_hstack(a: Any, b: Any) -> Any:
    """``scipy.sparse.hstack([a, b])`` for two ``coo_matrix`` with the same positive number of rows and positive
    widths: the steps of scipy's ``bmat`` general path for a 1 × 2 block row, without its per-block checks."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse._sputils import get_index_dtype, upcast

    dtype = upcast(a.dtype, b.dtype)
    offset = np.int64(a.shape[1])
    shape = (a.shape[0], a.shape[1] + b.shape[1])
    nnz = a.nnz + b.nnz
    data = np.empty(nnz, dtype=dtype)
    idx_dtype = get_index_dtype(maxval=max(shape))
    row = np.empty(nnz, dtype=idx_dtype)
    col = np.empty(nnz, dtype=idx_dtype)
    first, second = slice(0, a.nnz), slice(a.nnz, nnz)
    data[first] = a.data
    np.add(a.row, np.int64(0), out=row[first], dtype=idx_dtype)
    np.add(a.col, np.int64(0), out=col[first], dtype=idx_dtype)
    data[second] = b.data
    np.add(b.row, np.int64(0), out=row[second], dtype=idx_dtype)
    np.add(b.col, offset, out=col[second], dtype=idx_dtype)
    return coo_matrix((data, (row, col)), shape=shape)


def _install_coo_hstack() -> None:
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix

    if getattr(Features, COO_MARK, False):
        return
    stock: Callable[[Any, Any], None] = Features._combine_sparse_features

    def _combine_sparse_features(self: Any, additional_features: Any) -> None:
        a, b = self.features, additional_features.features
        if (enabled() and type(a) is coo_matrix and type(b) is coo_matrix and a.shape[0] == b.shape[0] > 0
                and a.shape[1] > 0 and b.shape[1] > 0):
            self.features = coo_hstack(a, b)
            self._cached_fingerprint = None
            return
        stock(self, additional_features)

    Features._combine_sparse_features = _combine_sparse_features  # type: ignore[method-assign]
    setattr(Features, COO_MARK, True)


# ---- 6. event classes by type name ---------------------------------------------------------------------------

EVENTS_MARK = "_policybot_event_classes"
_event_classes: Dict[str, Any] = {}


def event_class(type_name: str) -> Any:
    """The first non-abstract subclass of ``Event`` (in ``all_subclasses`` order) whose ``type_name`` is
    ``type_name``, as ``Event.resolve_by_type`` finds it; None when there is none."""
    found = _event_classes.get(type_name)
    if found is not None:
        return found
    import rasa.shared.utils.common
    from rasa.shared.core.events import Event

    table: Dict[str, Any] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    _event_classes.clear()
    _event_classes.update(table)
    return table.get(type_name)


def _install_event_classes() -> None:
    from rasa.shared.core.events import Event

    if getattr(Event, EVENTS_MARK, False):
        return
    stock = Event.resolve_by_type

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        if enabled() and isinstance(type_name, str):
            found = event_class(type_name)
            if found is not None:
                return found
        return stock(type_name, default)  # unknown names: Rasa's own answer (None, the default or its error)

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
    setattr(Event, EVENTS_MARK, True)


# ---- 7. the ResponseSelector for its own intent ----------------------------------------------------------------

SELECTOR_MARK = "_policybot_selector_for_its_intent"


def selector_needed(selector: Any, message: Any) -> bool:
    """False when ``message``'s intent is set and is not the selector's retrieval intent."""
    retrieval_intent = getattr(selector, "retrieval_intent", None)
    if not retrieval_intent:
        return True  # a selector over every retrieval intent: always run
    intent = message.get("intent") or {}
    name = intent.get("name") if isinstance(intent, dict) else None
    return not name or name == retrieval_intent


def _install_selector_for_its_intent() -> None:
    from rasa.nlu.selectors.response_selector import ResponseSelector

    if getattr(ResponseSelector, SELECTOR_MARK, False):
        return
    stock: Callable[[Any, List[Any]], List[Any]] = ResponseSelector.process

    # Rasa's graph validation reads the run method's signature and type hints: keep the stock ones (an annotated
    # ``self`` reads as a required input, and `rasa train` refuses the model).
    @functools.wraps(stock)
    def process(self: Any, messages: List[Any]) -> List[Any]:
        if not enabled():
            return stock(self, messages)
        needed = []
        for message in messages:
            if selector_needed(self, message):
                needed.append(message)
                continue
            properties = message.get("response_selector", {})
            properties["all_retrieval_intents"] = self.all_retrieval_intents
            message.set("response_selector", properties, add_to_output=True)
        if needed:
            stock(self, needed)
        return messages

    ResponseSelector.process = process  # type: ignore[method-assign]
    setattr(ResponseSelector, SELECTOR_MARK, True)


# ---- 8. features combined from a plain copy ---------------------------------------------------------------------

COPY_MARK = "_policybot_plain_feature_copy"
PLAIN_FEATURE_ATTRIBUTES = {"features", "type", "origin", "attribute", "_cached_fingerprint"}


def feature_copy(features: Any) -> Any:
    """What ``copy.deepcopy`` gives for a ``Features`` whose matrix is a numpy array or a scipy sparse matrix."""
    from rasa.shared.nlu.training_data.features import Features

    copied = Features(features.features.copy(), features.type, features.attribute, features.origin)
    copied._cached_fingerprint = features._cached_fingerprint
    return copied


def _install_plain_feature_copy() -> None:
    import scipy.sparse
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message

    if getattr(Message, COPY_MARK, False):
        return
    stock = Message._combine_features

    def plain(f: Any) -> bool:
        """A ``Features`` with nothing but its five attributes and a numpy or scipy matrix."""
        return (type(f) is Features and vars(f).keys() == PLAIN_FEATURE_ATTRIBUTES
                and (isinstance(f.features, scipy.sparse.spmatrix) or type(f.features).__module__ == "numpy"))

    def _combine_features(features: List[Any], featurizers: List[str]) -> Any:
        if not enabled() or not features or not plain(features[0]):
            return stock(features, featurizers)
        combined = feature_copy(features[0])
        combined.origin = featurizers
        for f in features[1:]:
            combined.combine_with_features(f)
        return combined

    Message._combine_features = staticmethod(_combine_features)  # type: ignore[method-assign,assignment]
    setattr(Message, COPY_MARK, True)


# ---- 9. a model loaded without tracing a training step ----------------------------------------------------------

LOAD_MARK = "_policybot_eager_build"


def _install_eager_build() -> None:
    from rasa.utils.tensorflow.models import RasaModel

    if getattr(RasaModel, LOAD_MARK, False):
        return
    stock = RasaModel.load.__func__  # type: ignore[attr-defined]

    @functools.wraps(stock)
    def load(cls: Any, model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> Any:
        from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY

        config = kwargs.get("config", {})
        if not enabled() or finetune_mode or config.get(RUN_EAGERLY):
            return stock(cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args,
                         **kwargs)
        import tensorflow as tf
        from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

        model = cls(*args, **kwargs)
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                      run_eagerly=config.get(RUN_EAGERLY))
        batch_in, _ = RasaBatchDataGenerator(model_data_example, batch_size=1)[0]
        model._training = True
        model.batch_loss(batch_in)  # the training step's forward pass, eagerly: every layer builds its variables
        # the optimizer's slots were never made, so its saved values have nowhere to go: they only serve training
        model.load_weights(model_file_name).expect_partial()
        if predict_data_example:
            model.run_inference(predict_data_example)  # traces the prediction graph once, as Rasa does
        return model

    RasaModel.load = classmethod(load)  # type: ignore[method-assign,assignment]
    setattr(RasaModel, LOAD_MARK, True)
