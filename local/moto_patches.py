"""Workarounds for moto 5.2.5: five bugs of its Step Functions interpreter (see ../shared/aws-notes.md §3.3), its
backends' lack of thread safety, and costs of its that grow with the work (per execution, per update action, per queued
message). Local runs and tests only; each touches moto internals, so they are applied only to the version they were
checked on. Each speed patch's docstring ends with the fix it suggests upstream."""
from __future__ import annotations

import copy
import datetime
import threading

import moto

PATCHED_MOTO_VERSIONS = ("5.2.5",)
_applied = False


def _send_task_failure_keeps_cause() -> None:
    """moto drops `cause` from SendTaskFailure (AWS passes it to the Catch)."""
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self):
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause"))
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure


def _start_time_is_iso() -> None:
    """$$.Execution.StartTime is a datetime in moto (AWS: an ISO-8601 string)."""
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    original = ExecutionWorker._get_evaluation_environment

    def environment(self):
        env = original(self)
        execution = env.states.context_object.context_object_data["Execution"]
        started = execution.get("StartTime")
        if isinstance(started, datetime.datetime):
            execution["StartTime"] = started.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return env

    ExecutionWorker._get_evaluation_environment = environment


def _stop_interrupts_callbacks() -> None:
    """StopExecution does not wake a task parked on .waitForTaskToken (AWS aborts it at once)."""
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
    from moto.stepfunctions.parser.backend.execution import Execution
    original_stop = Execution.stop

    def stop(self, stop_date, error, cause):
        original_stop(self, stop_date=stop_date, error=error, cause=cause)
        worker = self.exec_worker
        if worker is not None and getattr(worker, "env", None) is not None:
            for endpoint in list(worker.env.callback_pool_manager._pool.values()):
                endpoint.interrupt_all()

    Execution.stop = stop
    original_set_error = Environment.set_error

    def set_error(self, error):
        if isinstance(self._program_state, ProgramStopped):
            return
        original_set_error(self, error)

    Environment.set_error = set_error


def _timed_out_tokens_are_refused() -> None:
    """A task token whose wait timed out is still accepted by SendTaskSuccess/Failure, which then do nothing (AWS
    answers TaskTimedOut): an agent acting just as a clock fires would see 200 and the action would vanish. The
    timed-out wait's endpoint is marked by _a_timeout_and_an_answer_never_both_win; here the backend's check of a
    marked endpoint, which tests the wrapper instead of the error it wraps (and cannot build its exceptions), is
    fixed, so the API's 409 path runs locally as it does on AWS."""
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.exceptions import InvalidToken
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackConsumerTimeout,
        CallbackNotifyConsumerError,
        CallbackOutcomeFailure,
        CallbackOutcomeSuccess,
    )
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    class TaskTimedOut(AWSError):
        TYPE, STATUS = "TaskTimedOut", 400

    class TaskDoesNotExist(AWSError):
        TYPE, STATUS = "TaskDoesNotExist", 400

    def deliver(task_token, outcome, executions) -> None:
        for execution in executions:
            try:
                if execution.exec_worker.env.callback_pool_manager.notify(callback_id=task_token, outcome=outcome):
                    return
            except CallbackNotifyConsumerError as error:
                if isinstance(error.callback_consumer_error, CallbackConsumerTimeout):
                    raise TaskTimedOut("Task Timed Out: the task's wait timed out") from None
                raise TaskDoesNotExist("Task does not exist anymore") from None
        raise InvalidToken("Invalid token")

    def send_task_success(self, task_token, outcome):
        deliver(task_token, CallbackOutcomeSuccess(callback_id=task_token, output=outcome),
                self._get_executions(ExecutionStatus.RUNNING))

    def send_task_failure(self, task_token, error=None, cause=None):
        deliver(task_token, CallbackOutcomeFailure(callback_id=task_token, error=error, cause=cause),
                self._get_executions())

    StepFunctionsParserBackend.send_task_success = send_task_success
    StepFunctionsParserBackend.send_task_failure = send_task_failure


def _a_timeout_and_an_answer_never_both_win() -> None:
    """A task's timeout is decided by one thread and the answer (SendTaskSuccess) taken by another, with no lock
    between: an answer that lands as the clock fires is accepted and then discarded by the timeout, so the agent
    sees 200 and nothing happens. On AWS exactly one wins. Here too: at the timeout, under the same lock as the
    answers, an answer already in wins (the task finishes); otherwise the token is marked timed out, so a later
    answer gets TaskTimedOut."""
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import EvalTimeoutError
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackConsumerTimeout, CallbackPoolManager
    from moto.stepfunctions.parser.utils import TMP_THREADS
    decision = threading.Lock()
    original_notify = CallbackPoolManager.notify

    def notify(self, callback_id, outcome):
        with decision:
            return original_notify(self, callback_id, outcome)

    def answered_in_time(frame, terminated) -> bool:
        token = frame.states.context_object.context_object_data.get("Task", {}).get("Token")
        endpoint = frame.callback_pool_manager.get(token) if token else None
        if endpoint is None:
            return terminated.is_set()
        with decision:
            answered = endpoint.get_outcome() is not None
            if not answered:
                endpoint.report(CallbackConsumerTimeout())
        if answered:
            terminated.wait()  # the answer is being taken up: let the task finish with it
        return answered

    def evaluate_with_timeout(self, env) -> None:  # moto 5.2.5's ExecutionState._evaluate_with_timeout, plus one line
        self.timeout.eval(env=env)
        timeout_seconds = env.stack.pop()
        frame = env.open_frame()
        frame.states.reset(input_value=env.states.get_input())
        frame.stack = copy.deepcopy(env.stack)
        execution_outputs: list = []
        execution_exceptions: list = [None]
        terminated = threading.Event()

        def exec_and_notify():
            try:
                self._eval_execution(frame)
                execution_outputs.extend(frame.stack)
            except Exception as ex:
                execution_exceptions.append(ex)
            terminated.set()

        thread = threading.Thread(target=exec_and_notify, daemon=True)
        TMP_THREADS.append(thread)
        thread.start()
        finished_on_time = terminated.wait(timeout_seconds) or answered_in_time(frame, terminated)  # the one line
        frame.set_ended()
        env.close_frame(frame)
        execution_exception = execution_exceptions.pop()
        if execution_exception:
            raise execution_exception
        if not finished_on_time:
            raise EvalTimeoutError()
        execution_output = execution_outputs.pop()
        env.stack.append(execution_output)
        if not self._is_language_query_jsonpath():
            env.states.set_result(execution_output)
        if self.assign_decl:
            self.assign_decl.eval(env=env)
        if self.result_selector:
            self.result_selector.eval(env=env)
        if self.result_path:
            self.result_path.eval(env)
        else:
            env.states.reset(input_value=env.stack.pop())

    CallbackPoolManager.notify = notify
    ExecutionState._evaluate_with_timeout = evaluate_with_timeout


def _requests_are_atomic() -> None:
    """moto's in-memory backends are not thread-safe (a DynamoDB query can iterate a table while another thread writes
    to it: "dictionary changed size during iteration"), and so a conditional write is not atomic across threads. Real
    AWS serves each request atomically; one lock around each mocked request gives the local cloud the same semantics.
    Lambda invokes are left out: they run our handlers, which make requests of their own from other threads."""
    from moto.core.botocore_stubber import BotocoreStubber
    original = BotocoreStubber.process_request
    lock = threading.RLock()

    def process_request(self, request):
        if "://lambda." in request.url:
            return original(self, request)
        with lock:
            return original(self, request)

    BotocoreStubber.process_request = process_request


def _an_execution_reuses_its_parsed_definition() -> None:
    """Every execution lexes and parses the whole ASL definition again with moto's ANTLR parser (pure Python): about
    0.4 s of CPU per case for our state machine, more than the rest of opening the case. The parse tree depends on the
    definition's text alone and is only read afterwards, so it is kept per definition. Building the program from the
    tree (moto's Preprocessor: one component object per state, path, retrier...) cost another 0.14 s of CPU and
    0.2 MB per execution; the program holds no evaluation state (see _stateless), so the executions of a definition
    share one, as the interpreter runs the same compiled definition for every execution on AWS. A definition whose
    program does keep per-run state (Map, Parallel, JSONata) still gets a program of its own per execution.

    Upstream: cache the parsed program in StateMachineRevision (the definition is immutable per revision), and make
    EvalComponent.heap_key assigned in __init__ (or derived from id()) rather than lazily, so a program is safe to
    share between threads; LocalStack's own parser would gain the same."""
    from functools import lru_cache

    from moto.stepfunctions.parser.asl.parse.asl_parser import (
        AmazonStateLanguageParser,
        ASLParserException,
        SyntaxErrorListener,
    )
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    @lru_cache(maxsize=32)
    def parse_tree(definition: str):
        from antlr4 import CommonTokenStream, InputStream

        from moto.stepfunctions.parser.asl.antlr.runtime.ASLLexer import ASLLexer
        from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser
        listener = SyntaxErrorListener()
        parser = ASLParser(CommonTokenStream(ASLLexer(InputStream(definition))))
        parser.removeErrorListeners()
        parser.addErrorListener(listener)
        tree = parser.state_machine()
        if listener.errors:
            raise ASLParserException(errors=listener.errors)
        return tree

    def entrypoint(self):  # moto 5.2.5: AmazonStateLanguageParser.parse(definition)[0]
        definition = self._evaluation_details.state_machine_details.definition
        return shared_program(definition) or Preprocessor().visit(parse_tree(definition))

    assert AmazonStateLanguageParser.parse  # the function this one stands for, in the version checked
    ExecutionWorker._get_evaluation_entrypoint = entrypoint

    @lru_cache(maxsize=32)
    def shared_program(definition: str):
        program = Preprocessor().visit(parse_tree(definition))
        return program if _stateless(program) else None


_ATOMIC = (str, int, float, bool, type(None), bytes)


def _subclasses(cls) -> set:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found
_PER_EVALUATION_STATE = ("moto.stepfunctions.parser.asl.component.state.exec.state_map",
                         "moto.stepfunctions.parser.asl.component.state.exec.state_parallel",
                         "moto.stepfunctions.parser.asl.component.common.jsonata")


def _components(root):
    """Every component of a program (moto's Preprocessor output), each once: its attributes, lists, dicts."""
    from moto.stepfunctions.parser.asl.component.component import Component
    seen, stack = set(), [root]
    while stack:
        value = stack.pop()
        if isinstance(value, (list, tuple, set, frozenset)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, Component) and id(value) not in seen:
            seen.add(id(value))
            yield value
            stack.extend(vars(value).values())


def _stateless(program) -> bool:
    """Whether every execution of the definition may evaluate this one program object, concurrently: true of the
    components of a definition without Map, Parallel or JSONata, checked on moto 5.2.5 (they keep everything an
    evaluation changes in its Environment: the stack, the heap, the context object; the Map and Parallel states build
    per-run workers, and JSONata is left out unchecked). Literals (a Pass state's Result, a Parameters' constant) are
    pushed as the definition's own objects, but moto deep-copies a value as it becomes a state's input or result, so
    no execution changes them. The one thing a component computes lazily, its heap key (a
    random id naming its slot in each Environment's heap), is computed here, once, so two executions never race to
    set it."""
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
    components = list(_components(program))
    if any(type(component).__module__.startswith(_PER_EVALUATION_STATE) for component in components):
        return False
    for component in components:
        if isinstance(component, EvalComponent):
            assert component.heap_key
    return True


def _a_definition_is_validated_once() -> None:
    """moto's CreateStateMachine validates the definition by parsing it with its ANTLR parser (pure Python: 0.25 s of
    CPU for ours, most of what remained of a local cloud's start, and every test's cloud creates the state machine
    again). Whether a text parses depends on the text alone, so a definition moto accepted once in this process is not
    parsed again; any other text (a test's own copy of the stack, a broken definition) is validated as before.

    Upstream: cache the validation result per definition text in StepFunctionsParserBackend._validate_definition."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    validate = StepFunctionsParserBackend._validate_definition
    accepted: set[str] = set()

    def validate_once(definition: str) -> None:
        if definition not in accepted:
            validate(definition=definition)  # raises InvalidDefinition, as before
            accepted.add(definition)
    StepFunctionsParserBackend._validate_definition = staticmethod(validate_once)


def _a_json_path_is_parsed_once() -> None:
    """moto's interpreter parses each JSONPath (InputPath, Parameters' `.$` fields, Choice variables, ResultPath,
    TimeoutSecondsPath...) with jsonpath_ng every time it evaluates one; jsonpath_ng builds its PLY parser for each
    parse (about 1 ms of CPU), dozens of times per execution. A parsed path is an immutable expression (find and
    update_or_create read it, and change only the data given them), so each distinct path is parsed once.

    Upstream: parse the path once where the component is built (StringJsonPath, ResultPath, InputPath... hold their
    path as a string: they could hold the parsed expression), or wrap json_path.parse in an lru_cache as here."""
    from functools import lru_cache

    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path
    assert (json_path.parse.__module__, result_path.parse.__module__) == ("jsonpath_ng.ext.parser",
                                                                          "jsonpath_ng.parser")
    json_path.parse = lru_cache(maxsize=4096)(json_path.parse)
    result_path.parse = lru_cache(maxsize=4096)(result_path.parse)


def _a_query_reads_its_partition() -> None:
    """moto's Table.query starts from all_items(): every item of the table, sorted, for every query (and then
    filters on the hash key). A query on a table of n items costs O(n log n), so everything that queries (a case's
    timeline, an author's cases, the open-cases index) slows as the tables grow. Here, during a query, all_items()
    gives only the candidates: the partition's items for a table query, the items whose index hash key matches for an
    index query (one pass, no sort). moto's query then checks, sorts, pages and filters them exactly as before, so the
    results and their order do not change; AWS reads a partition, not the table. An index query whose key is one
    string (all of ours) takes its candidates from _an_index_query_reads_its_key's map; any other looks at every
    item, comparing as DynamoType.__eq__ does.

    Upstream: keep, per index, a map from hash key value to its items' keys (updated where items are written), and let
    Table.query start from the partition or that map instead of all_items()."""
    from moto.dynamodb.models.table import Table
    original_query, original_all_items = Table.query, Table.all_items
    scope = threading.local()

    def all_items(self):
        wanted = getattr(scope, "wanted", None)
        if wanted is None or wanted[0] is not self:
            return original_all_items(self)
        _, hash_key, conditions = wanted
        if conditions is None:  # a table query: one partition
            partition = self.items.get(hash_key)
            if partition is None:
                return []
            return list(partition.values()) if self.range_key_attr else [partition]
        if len(conditions) == 1 and conditions[0][1].type == "S":  # the usual index key: one string, compared as
            (name, value), = conditions                                 # DynamoType.__eq__ would (type, then value)
            return _index_candidates(self, name, value.value)
        items = []
        for partition in self.items.values():
            for item in (partition.values() if self.range_key_attr else (partition,)):
                if all(item.attrs.get(name) is not None and item.attrs[name] == value for name, value in conditions):
                    items.append(item)
        return items

    def query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
              projection_expressions, index_name=None, *args, hash_key_conditions=None, **kwargs):
        if index_name:
            scope.wanted = (self, None, list(hash_key_conditions)) if hash_key_conditions else None
        else:
            scope.wanted = (self, hash_key, None) if hash_key is not None else None
        try:
            return original_query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                                  scan_index_forward, projection_expressions, index_name, *args,
                                  hash_key_conditions=hash_key_conditions, **kwargs)
        finally:
            scope.wanted = None

    def sorted_items(self, hash_key_attrs, range_key_attrs, items):
        """moto 5.2.5's sort by the key attributes, comparing their values once cast rather than DynamoType against
        DynamoType (which casts both at each comparison): the same order (a key attribute has one type)."""
        attributes = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
        items.sort(key=lambda item: tuple(item.attrs[name].cast_value for name in attributes))
        return items

    Table.all_items = all_items
    Table.query = query
    Table.sorted_items = sorted_items


def _stored_item(table, hash_value, range_value):
    partition = table.items.get(hash_value)
    if table.range_key_attr is None or partition is None:
        return partition
    return partition.get(range_value)


def _index_state(table) -> dict:
    """The table's string-attribute maps: {"items": the dict they were built from, "attrs": {name: {value: {key:
    None}}}, "keys": {key: {name: value}}}. A table whose items dict was replaced (restored from a backup) starts
    over."""
    state = table.__dict__.get("_local_index")
    if state is None or state["items"] is not table.items:
        state = table.__dict__["_local_index"] = {"items": table.items, "attrs": {}, "keys": {}}
    return state


def _index_item(table, hash_value, range_value) -> None:
    """Bring the maps up to date with the item stored under this key now (or its absence)."""
    state = table.__dict__.get("_local_index")
    if state is None or not state["attrs"]:
        return
    if state["items"] is not table.items:
        del table.__dict__["_local_index"]
        return
    key = (hash_value, range_value)
    attrs, keys = state["attrs"], state["keys"]
    for name, value in keys.pop(key, {}).items():
        bucket = attrs[name].get(value)
        if bucket is not None:
            bucket.pop(key, None)
            if not bucket:
                del attrs[name][value]
    item = _stored_item(table, hash_value, range_value)
    if item is None:
        return
    indexed = {}
    for name, buckets in attrs.items():
        attribute = item.attrs.get(name)
        if attribute is not None and attribute.type == "S":
            buckets.setdefault(attribute.value, {})[key] = None
            indexed[name] = attribute.value
    if indexed:
        keys[key] = indexed


def _index_candidates(table, name: str, wanted: str) -> list:
    """The items whose attribute `name` is the string `wanted`, from the map of that attribute (built on the first
    query that asks for it, one pass over the table). Each is checked again against the stored item."""
    state = _index_state(table)
    buckets = state["attrs"].get(name)
    if buckets is None:
        buckets = state["attrs"][name] = {}
        keys = state["keys"]
        for partition in table.items.values():
            for item in (partition.values() if table.range_key_attr else (partition,)):
                attribute = item.attrs.get(name)
                if attribute is not None and attribute.type == "S":
                    key = (item.hash_key, item.range_key if table.range_key_attr else None)
                    buckets.setdefault(attribute.value, {})[key] = None
                    keys.setdefault(key, {})[name] = attribute.value
    items = []
    for hash_value, range_value in buckets.get(wanted, ()):
        item = _stored_item(table, hash_value, range_value)
        attribute = item.attrs.get(name) if item is not None else None
        if attribute is not None and attribute.type == "S" and attribute.value == wanted:
            items.append(item)
    return items


def _an_index_query_reads_its_key() -> None:
    """An index query in moto looks at every item of the table for those with its hash key (see
    _a_query_reads_its_partition): at 40,000 items, ~10 ms of CPU for each author's cases or open case looked up.
    Here, per table, each string attribute an index query has asked for gets a map from its value to the keys of the
    items that have it, kept up to date wherever moto stores an item: Table.put_item and Table.delete_item, the
    backend's update_item (which changes the stored item in place, so its keys are indexed again afterwards, whatever
    happened), and a failed transaction's rollback (_a_transaction_keeps_only_what_it_touches). The query then takes
    its candidates from the map, checks each against the stored item, and moto sorts, pages and filters them as before
    (its sort ends with the table's keys: a total order, so the order of the candidates does not matter).

    Upstream: give each GlobalSecondaryIndex/LocalSecondaryIndex object a map from hash key value to the table keys of
    its items, maintained in Table.put_item/delete_item and after UpdateExpressionExecutor runs, and let Table.query
    read the index's partition from it instead of filtering all_items()."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    original_put, original_delete, original_update = Table.put_item, Table.delete_item, DynamoDBBackend.update_item

    def put_item(self, *args, **kwargs):
        item = original_put(self, *args, **kwargs)
        if "_local_index" in self.__dict__ and item is not None and hasattr(item, "hash_key"):
            _index_item(self, item.hash_key, item.range_key if self.range_key_attr else None)
        return item

    def delete_item(self, hash_key, range_key):
        item = original_delete(self, hash_key, range_key)
        if "_local_index" in self.__dict__:
            _index_item(self, hash_key, range_key if self.range_key_attr else None)
        return item

    def update_item(self, table_name, key, *args, **kwargs):
        try:
            return original_update(self, table_name, key, *args, **kwargs)
        finally:
            table = self.tables.get(table_name)
            if table is not None and "_local_index" in table.__dict__:
                try:
                    hash_value, range_value = self.get_keys_value(table, key)
                except Exception:  # a malformed key: moto refused it, nothing was stored
                    pass
                else:
                    _index_item(table, hash_value, range_value if table.range_key_attr else None)

    Table.put_item = put_item
    Table.delete_item = delete_item
    DynamoDBBackend.update_item = update_item


def _walk_processing(walk) -> tuple[tuple, tuple]:
    """A DepthFirstTraverser's processing map, built once per walk object: (its node types, its (type, processor)
    pairs), in the map's order."""
    cached = walk.__dict__.get("_processing")
    if cached is None:
        items = tuple(walk._processing_map().items())
        cached = walk.__dict__["_processing"] = (tuple(key for key, _ in items), items)
    return cached


def _an_update_expression_is_checked_in_linear_time() -> None:
    """moto checks an UpdateExpression by walking its syntax tree once per check (ten of them), and two of the checks
    (one clause of each kind; no path set twice) run at every node of the tree that is an UpdateExpression, which, as
    moto nests "SET a = :a, b = :b, ..." one action inside the other, is nearly every node, each collecting every
    action below it again: quadratic in the actions. The socialcare facts item is written whole with one UpdateItem of
    about 35 SET/REMOVE actions (cases/facts.py): 25-30 ms of CPU in moto per write, several times per case.

    The clauses and actions below any node are some of those below the root (no action or clause holds another), so a
    node fails a check only if the root fails it too. Here each of the two checks runs on the root first: when the
    root passes, no node can fail and the walk is skipped; when it fails, moto's own walk runs and raises the very
    error it raised before (the deepest failing node's). Each walk's list of the node types it processes, which moto
    rebuilds at every node it visits, is built once per walk, and the expression's syntax tree is parsed once per
    distinct expression (the validator works on a deep copy of it, as before, made by a __deepcopy__ that gives
    copy.deepcopy's own result at a third of the cost).

    Upstream: run ActionCountValidator and OverlappingPathsValidator on the root UpdateExpression only (only which
    duplicate the message names could change), cache DepthFirstTraverser.nodes_to_be_processed() and the processing
    map, lru_cache UpdateExpressionParser.make on the expression string, and give Node a __deepcopy__ (or have the
    processors build new nodes instead of changing the copy)."""
    from functools import lru_cache

    from moto.dynamodb.parsing import expressions, validators
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node, UpdateExpression
    original_traverse = DepthFirstTraverser.traverse

    def root_first(check_name: str):
        def traverse(self, node):
            if isinstance(node, UpdateExpression):
                try:
                    getattr(self, check_name)(node)
                except Exception:
                    pass  # moto's walk finds the node that fails, and raises its error
                else:
                    return node  # the walk would check every node below, and return the same tree
            return original_traverse(self, node)
        return traverse

    processing = _walk_processing

    def nodes_to_be_processed(self):
        return processing(self)[0]

    def process(self, node):
        for class_key, processor in processing(self)[1]:
            if isinstance(node, class_key):
                return processor(node)

    def node_deepcopy(self, memo):
        """copy.deepcopy's own result for a Node (no __slots__, __reduce__ or __getstate__ of its own: a new object
        of its class, registered in the memo before its __dict__ is deep-copied), without the detour through
        __reduce_ex__ and _reconstruct, which made the validator's copy of a 35-action tree cost 2-3 ms."""
        new = object.__new__(type(self))
        memo[id(self)] = new
        state = new.__dict__
        for name, value in self.__dict__.items():
            state[name] = value if type(value) in _ATOMIC else copy.deepcopy(value, memo)
        return new

    assert not any(name in vars(cls) for cls in (Node, *_subclasses(Node))
                   for name in ("__deepcopy__", "__getstate__", "__reduce__", "__reduce_ex__", "__slots__"))
    assert validators.ActionCountValidator.verify_action_counts
    assert validators.OverlappingPathsValidator.check_for_overlapping_paths
    Node.__deepcopy__ = node_deepcopy
    validators.ActionCountValidator.traverse = root_first("verify_action_counts")
    validators.OverlappingPathsValidator.traverse = root_first("check_for_overlapping_paths")
    DepthFirstTraverser.nodes_to_be_processed = nodes_to_be_processed
    DepthFirstTraverser.process = process
    expressions.UpdateExpressionParser.make = classmethod(lru_cache(maxsize=1024)(
        expressions.UpdateExpressionParser.make.__func__))


# Update-expression walk originals, as SQS_PATCH_ORIGINALS below.
EXPRESSION_PATCH_ORIGINALS: dict[tuple[object, str], object] = {}


def _an_expression_walk_asks_each_node_type_once() -> None:
    """moto validates an UpdateExpression by walking its syntax tree once per check (eight walks per UpdateItem once
    _an_update_expression_is_checked_in_linear_time settles two at the root), and at every node of every walk asks
    isinstance twice (is it a Node; is it of a type this walk processes), then, for a node it processes, once per type
    in the walk's map until one matches. Node is an abc.ABCMeta class, so each of those goes through
    ABCMeta.__instancecheck__: a 35-action write (about 260 nodes a walk) asked 8,700 of them, a third of the
    validation's CPU. Which answer an isinstance against these classes gives depends on the node's type alone (no
    __subclasshook__ and no registered virtual subclass among them), so each walk asks it once per node type and looks
    it up after: the same nodes processed by the same processors in the same order, the same tree.

    Upstream: in DepthFirstTraverser, keep a dict from node type to processor (filled on first sight) and test for a
    Node with a plain type check; Node need not be an ABCMeta class (it declares no abstract method)."""
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node
    assert not any(name in vars(cls) for cls in _subclasses(DepthFirstTraverser)
                   for name in ("traverse_node_recursively", "nodes_to_be_processed", "process"))
    assert not any("__subclasshook__" in vars(cls) for cls in (Node, *_subclasses(Node)))
    node_types: dict[type, bool] = {}

    def processor_of(walk, node):
        """The function this walk processes a node of this type with (None: it leaves such nodes alone), found as
        moto's process() finds it: the first type of the walk's map the node is an instance of."""
        by_type = walk.__dict__.get("_processor_by_type")
        if by_type is None:
            by_type = walk.__dict__["_processor_by_type"] = {}
        kind = type(node)
        if kind not in by_type:
            types, processors = _walk_processing(walk)
            by_type[kind] = (next(processor for key, processor in processors if isinstance(node, key))
                             if isinstance(node, types) else None)
        return by_type[kind]

    def traverse_node_recursively(self, node, child_id=-1):  # moto 5.2.5's, its isinstance asked once per type
        kind = type(node)
        is_node = node_types.get(kind)
        if is_node is None:
            is_node = node_types[kind] = isinstance(node, Node)
        if is_node:
            parent_node = node.parent
            if node.children is not None:
                for i, child_node in enumerate(node.children):
                    self.pre_processing_of_child(node, i)
                    self.traverse_node_recursively(child_node, i)
            processor = processor_of(self, node)
            if processor is not None:
                node = processor(node)
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
        return node

    _replace(DepthFirstTraverser, "traverse_node_recursively", traverse_node_recursively, EXPRESSION_PATCH_ORIGINALS)


# Condition-expression originals, as SQS_PATCH_ORIGINALS below.
CONDITION_PATCH_ORIGINALS: dict[tuple[object, str], object] = {}


def _a_condition_is_parsed_once() -> None:
    """moto parses a ConditionExpression from its text each time it meets one, and meets each one twice per request:
    the response parses it to check the names and values it uses, then the backend parses it again to evaluate it
    (UpdateItem, PutItem, DeleteItem, TransactWriteItems). A parse lexes the text with six regular expressions per
    token and rebuilds the tree in seven passes: 4-5 % of the burst's CPU. The tree depends only on the text and the
    ExpressionAttributeNames and Values, and evaluating it changes nothing in it, so a parse of the same three (the
    text, and the names and values as their repr shows them) is kept and given again, with the names and values it
    found; and the tokens of a text are kept, each parse building fresh nodes from them. A text that fails to lex or
    parse raises as before, every time.

    Upstream: parse the ConditionExpression once per request and hand the tree to the backend (or cache the token
    list per expression text in ConditionExpressionParser, and the compiled patterns at class level)."""
    from functools import lru_cache

    from moto.dynamodb.comparisons import ConditionExpressionParser
    original_parse = ConditionExpressionParser.parse
    original_lex = ConditionExpressionParser._lex_condition_expression
    parsed: dict = {}  # (text, repr of names, repr of values) -> (tree, names found, values found); the last 256

    @lru_cache(maxsize=1024)
    def tokens(parser_type, text: str) -> tuple:
        parser = parser_type.__new__(parser_type)
        parser.condition_expression = text
        return tuple((node.nonterminal, node.kind, node.text, node.value) for node in original_lex(parser))

    def lex_condition_expression(self):
        from collections import deque
        return deque(self.Node(nonterminal=nonterminal, kind=kind, text=text, value=value, children=[])
                     for nonterminal, kind, text, value in tokens(type(self), self.condition_expression))

    def parse(self):
        if not self.condition_expression:
            return original_parse(self)
        key = (self.condition_expression, repr(self.expression_attribute_names),
               repr(self.expression_attribute_values))
        known = parsed.get(key)
        if known is None:
            names_before, values_before = len(self.expr_attr_names_found), len(self.expr_attr_values_found)
            tree = original_parse(self)
            known = (tree, self.expr_attr_names_found[names_before:], self.expr_attr_values_found[values_before:])
            if len(parsed) >= 256:
                del parsed[next(iter(parsed))]
            parsed[key] = known
            return tree
        tree, names_found, values_found = known
        self.expr_attr_names_found.extend(names_found)
        self.expr_attr_values_found.extend(values_found)
        return tree

    _replace(ConditionExpressionParser, "_lex_condition_expression", lex_condition_expression,
             CONDITION_PATCH_ORIGINALS)
    _replace(ConditionExpressionParser, "parse", parse, CONDITION_PATCH_ORIGINALS)


# Update-copy originals, as SQS_PATCH_ORIGINALS below.
UPDATE_COPY_PATCH_ORIGINALS: dict[tuple[object, str], object] = {}


def _an_update_copies_the_old_item_only_when_asked() -> None:
    """moto's UpdateItem deep-copies the item twice before it changes it: the response copies it (and converts the
    copy to JSON) to answer ReturnValues ALL_OLD, UPDATED_OLD or UPDATED_NEW, and the backend copies it for the
    table's stream. A case item of 30-odd attributes costs about 0.3 ms a copy, on each of the burst's 2-3 updates a
    mention. Here the response's copy is skipped when ReturnValues is NONE (the default) or ALL_NEW, which do not read
    the old item (moto then sees no old item: the attribute diff it computes for UPDATED_* is not used), and the
    backend's when the table has no stream. The item is still looked up first, so a bad key fails as before.

    Upstream: in DynamoHandler.update_item, copy the existing item only for the ReturnValues that read it; in
    DynamoDBBackend.update_item, copy orig_item only when table.stream_shard is set."""
    import moto.dynamodb.models as dynamodb_models
    import moto.dynamodb.responses as responses
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.responses import DynamoHandler
    scope = threading.local()
    original_response, original_backend = DynamoHandler.update_item, DynamoDBBackend.update_item

    class ResponseCopy:
        """responses.py's `copy`: during an update whose answer does not read the old item, its copy is none."""

        def __init__(self, copy_module):
            self.copy_module = copy_module

        def __getattr__(self, name):
            return getattr(self.copy_module, name)

        def deepcopy(self, value, memo=None):
            if getattr(scope, "old_unread", False) and memo is None and isinstance(value, Item):
                return None
            return self.copy_module.deepcopy(value, memo)

    class BackendCopy(ResponseCopy):
        """models' `copy` (as the transaction patch left it): during an update of a table without a stream, the item
        is not copied (the copy would only be given to the stream)."""

        def deepcopy(self, value, memo=None):
            if getattr(scope, "no_stream", False) and memo is None and isinstance(value, Item):
                return value
            return self.copy_module.deepcopy(value, memo)

    def response_update_item(self):
        outer = getattr(scope, "old_unread", False)
        scope.old_unread = self.body.get("ReturnValues", "NONE") in ("NONE", "ALL_NEW")
        try:
            return original_response(self)
        finally:
            scope.old_unread = outer

    def backend_update_item(self, table_name, *args, **kwargs):
        table = self.tables.get(table_name)
        outer = getattr(scope, "no_stream", False)
        scope.no_stream = table is not None and table.stream_shard is None
        try:
            return original_backend(self, table_name, *args, **kwargs)
        finally:
            scope.no_stream = outer

    _replace(responses, "copy", ResponseCopy(responses.copy), UPDATE_COPY_PATCH_ORIGINALS)
    _replace(dynamodb_models, "copy", BackendCopy(dynamodb_models.copy), UPDATE_COPY_PATCH_ORIGINALS)
    _replace(DynamoHandler, "update_item", response_update_item, UPDATE_COPY_PATCH_ORIGINALS)
    _replace(DynamoDBBackend, "update_item", backend_update_item, UPDATE_COPY_PATCH_ORIGINALS)


# Router-build originals, as SQS_PATCH_ORIGINALS below.
ROUTER_PATCH_ORIGINALS: dict[tuple[object, str], object] = {}


def _a_service_router_is_built_once() -> None:
    """moto finds the operation of a REST request (a Lambda Invoke: no Action parameter, no X-Amz-Target) by matching
    its method and path against a router built from the service's model on first use: the model's JSON loaded, a
    werkzeug rule compiled for each of Lambda's ~80 operations, 0.1-0.3 s of CPU. The caches that keep the model and
    the router (functools.cache, a dict) are filled without a lock, and Lambda invokes run outside the one lock of
    _requests_are_atomic, so when a burst's first executions invoke their Lambda tasks at once every thread that
    missed the cache built its own router: in a 1,500-mention burst 15 % of all CPU went to building the Lambda
    router again and again. Here the first build of a service's model, router and protocol router happens under a
    lock, once; later requests read the caches as before. Same routes, same operations.

    Upstream: guard the first computation in get_service_model, get_service_router and
    ServiceOperationRouter._get_router with a lock (or build the routers eagerly when a backend is first used)."""
    from moto.core import responses
    from moto.core.routing import ServiceOperationRouter
    lock = threading.RLock()
    original_get_router = ServiceOperationRouter._get_router

    def once(function):
        built: dict = {}

        def first_build_locked(service_name: str):
            try:
                return built[service_name]
            except KeyError:
                with lock:
                    if service_name not in built:
                        built[service_name] = function(service_name)
                    return built[service_name]
        return first_build_locked

    def get_router(self, protocol: str):
        router = self._routers.get(protocol)
        if router is None:
            with lock:
                return original_get_router(self, protocol)
        return router

    _replace(responses, "get_service_model", once(responses.get_service_model), ROUTER_PATCH_ORIGINALS)
    _replace(responses, "get_service_router", once(responses.get_service_router), ROUTER_PATCH_ORIGINALS)
    _replace(ServiceOperationRouter, "_get_router", get_router, ROUTER_PATCH_ORIGINALS)


# SQS patch originals: (owner, attribute) -> what moto had there, so the tests can run moto's own code.
SQS_PATCH_ORIGINALS: dict[tuple[object, str], object] = {}


def _a_queue_finds_its_messages_without_rereading_itself() -> None:
    """moto's SQS keeps a queue's messages in one list and looks at all of them, reading the clock for each, whenever
    it needs any: SendMessage reads one queue setting through Queue.attributes, which counts the visible, the delayed
    and the in-flight messages (three passes, two clock readings per message); ReceiveMessage lists every visible
    message to hand out ten, and its retention check computed every queue attribute three times per message served;
    DeleteMessage and ChangeMessageVisibility walk the list building each message's list of receipt handles, and a
    delete copies the list. A burst that queues 10,000 mentions faster than they are ingested paid tens of
    milliseconds per message sent and served, so the webhook and the ingest slowed each other while the queue was long.

    Here each queue's list (Queue._messages) also counts its members, and every message whose visibility or delay was
    ever set (the only ones that can be hidden: a message never received nor delayed is visible from the start) is
    kept in one set until both moments are past or it leaves its queue. So the three counts look at those few, at one
    reading of the clock; ReceiveMessage walks the list only until it has its batch (moto's loop, unchanged, is given
    the visible messages one by one, at one reading of the clock, instead of a list of them all: nothing in the loop
    changes the list, so it sees the same messages in the same order); a message deleted (or made visible again) by
    the receipt handle it was last received with is found among the messages in flight and removed from the list in
    place. Any other handle (an earlier one, an unknown one, one already deleted), and a list moto replaced (a purge),
    go through moto's own code. The retention check reads the retention setting. Same answers, same errors, same
    order, receive counts and redrive to the dead-letter queue (tests/unit/local/test_moto_patches.py runs random
    histories both ways).

    Upstream: keep the in-flight and delayed messages of a Queue in a structure of their own (or a heap by visible_at),
    so the ApproximateNumberOf* counts and Queue.messages need not walk the queue; read
    queue.content_based_deduplication and queue.message_retention_period instead of Queue.attributes; let
    receive_message iterate the visible messages lazily; keep a dict from receipt handle to message for delete_message
    and change_message_visibility."""
    import weakref

    from moto.sqs import models as sqs
    from moto.sqs.exceptions import InvalidParameterValue
    from moto.sqs.models import Message, Queue, SQSBackend
    assert "__eq__" not in vars(Message) and "__hash__" not in vars(Message)  # a message is itself only: by identity
    assert isinstance(Queue.__dict__["messages"], property)
    clocked: weakref.WeakSet = weakref.WeakSet()  # queued messages whose visible_at or delayed_until may be ahead
    scope = threading.local()

    class QueuedMessages(list):
        """Queue._messages, a list as before, that also counts its members (a message once, as moto queues it)."""

        def __init__(self, messages=()):
            super().__init__(messages)
            self.recount()

        def __reduce__(self):  # a copy is built from its items, and counts them afresh
            return QueuedMessages, (list(self),)

        def recount(self) -> None:
            self.members: dict = {}
            for message in self:
                self.members[message] = self.members.get(message, 0) + 1

        def append(self, message) -> None:
            super().append(message)
            self.members[message] = self.members.get(message, 0) + 1
            if message.visible_at or message.delayed_until:  # moved here with its clock set (a redrive)
                clocked.add(message)

        def remove(self, message) -> None:
            super().remove(message)  # by identity (the assert above): this very message, or ValueError
            if self.members[message] == 1:
                del self.members[message]
                clocked.discard(message)  # in no queue now (moto keeps every message it made until a reset)
            else:
                self.members[message] -= 1

    def recounted(name: str):
        change = getattr(list, name)

        def changed(self, *args):
            result = change(self, *args)  # list's own (its __iadd__ and __imul__ return the list itself)
            self.recount()
            return result
        return changed

    for name in ("extend", "insert", "pop", "clear", "__delitem__", "__setitem__", "__iadd__", "__imul__"):
        setattr(QueuedMessages, name, recounted(name))  # moto 5.2.5 uses none of these: kept right all the same

    def queued(queue) -> QueuedMessages:
        messages = queue._messages
        if type(messages) is not QueuedMessages:  # a new queue, or moto put a new list (purge, a delete of its own)
            messages = queue._messages = QueuedMessages(messages)
            clocked.update(message for message in messages if message.visible_at or message.delayed_until)
        return messages

    def hidden(queue) -> tuple[int, int, int]:
        """How many of the queue's messages are not visible, delayed, either, at one reading of the clock."""
        members = queued(queue).members
        now = sqs.unix_time_millis()
        not_visible = delayed = either = 0
        for message in list(clocked):
            invisible, late = not now > message.visible_at, now < message.delayed_until
            if not (invisible or late):
                clocked.discard(message)  # both moments past: visible and not delayed until they are set again
            elif message in members:
                count = members[message]
                not_visible += count if invisible else 0
                delayed += count if late else 0
                either += count
        return not_visible, delayed, either

    class VisibleMessages:
        """Queue.messages during a ReceiveMessage: the visible, undelayed messages at one reading of the clock, in the
        queue's order, found as the loop reads them."""

        def __init__(self, queue):
            self.messages, self.now = queued(queue), sqs.unix_time_millis()

        def __iter__(self):
            now = self.now
            return (message for message in self.messages
                    if now > message.visible_at and not now < message.delayed_until)

        def __bool__(self) -> bool:
            return next(iter(self), None) is not None

        def __len__(self) -> int:
            return sum(1 for _ in self)

    def messages(self):  # moto 5.2.5: message.visible (now > visible_at) and not message.delayed
        visible = VisibleMessages(self)
        return visible if getattr(scope, "receiving", False) else list(visible)

    def found_in_flight(queue, receipt_handle: str):
        """The message in flight last received with this handle, if it is still queued (else None)."""
        message = next((message for message in queue.pending_messages if message.receipt_handle == receipt_handle),
                       None)
        return message if message is not None and message in queued(queue).members else None

    original_change, original_delay = Message.change_visibility, Message.delay
    original_delete, original_receive = Queue.delete_message, SQSBackend.receive_message
    original_change_message_visibility = SQSBackend.change_message_visibility
    original_valid = SQSBackend.is_message_valid_based_on_retention_period

    def change_visibility(self, visibility_timeout) -> None:
        original_change(self, visibility_timeout)
        clocked.add(self)

    def delay(self, delay_seconds) -> None:
        original_delay(self, delay_seconds)
        clocked.add(self)

    def receive_message(self, *args, **kwargs):
        receiving = getattr(scope, "receiving", False)
        scope.receiving = True
        try:
            return original_receive(self, *args, **kwargs)
        finally:
            scope.receiving = receiving

    def delete_message(self, receipt_handle: str) -> None:
        if receipt_handle not in self.deleted_messages:
            deleted = found_in_flight(self, receipt_handle)
            if deleted is not None:
                messages = queued(self)
                for _ in range(messages.members[deleted]):
                    messages.remove(deleted)
                self.pending_messages.discard(deleted)
                self.deleted_messages.update(deleted.all_receipt_handles)
                return None
        return original_delete(self, receipt_handle)

    def change_message_visibility(self, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
        queue = self.get_queue(queue_name)
        message = found_in_flight(queue, receipt_handle)
        if message is None:
            return original_change_message_visibility(self, queue_name, receipt_handle, visibility_timeout)
        # moto 5.2.5's body for the message found
        visibility_timeout_msec = int(visibility_timeout) * 1000
        given_visibility_timeout = sqs.unix_time_millis() + visibility_timeout_msec
        if given_visibility_timeout - message.sent_timestamp > 43200 * 1000:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]")
        message.change_visibility(visibility_timeout)
        if message.visible and message in queue.pending_messages:
            queue.pending_messages.remove(message)

    def is_message_valid_based_on_retention_period(self, queue_name, message) -> bool:
        retention_period = self.get_queue(queue_name).message_retention_period
        if retention_period is None:
            return original_valid(self, queue_name, message)
        return retention_period + message.sent_timestamp / 1000 > sqs.unix_time()

    for owner, name, new in (
            (Message, "change_visibility", change_visibility), (Message, "delay", delay),
            (Queue, "messages", property(messages)), (Queue, "delete_message", delete_message),
            (Queue, "approximate_number_of_messages_not_visible", property(lambda self: hidden(self)[0])),
            (Queue, "approximate_number_of_messages_delayed", property(lambda self: hidden(self)[1])),
            (Queue, "approximate_number_of_messages", property(lambda self: len(queued(self)) - hidden(self)[2])),
            (SQSBackend, "receive_message", receive_message),
            (SQSBackend, "change_message_visibility", change_message_visibility),
            (SQSBackend, "is_message_valid_based_on_retention_period", is_message_valid_based_on_retention_period)):
        _replace(owner, name, new, SQS_PATCH_ORIGINALS)


def _a_transaction_keeps_only_what_it_touches() -> None:
    """moto's TransactWriteItems deep-copies every table it writes to before it starts (to roll back if an action
    fails): O(table) per transaction, so opening a case gets slower with every case stored. Here the items the
    transaction names are copied instead, and put back if it fails; the tables' own deep copy is skipped during the
    call (the rollback then restores the same table object). All or nothing, as before and as on AWS."""

    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table
    original = DynamoDBBackend.transact_write_items
    scope = threading.local()

    class Copy:
        """moto.dynamodb.models' `copy`, but a table is not copied while a transaction has copied its items."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value, memo=None):
            if isinstance(value, Table) and getattr(scope, "items_kept", False):
                return value
            return copy.deepcopy(value, memo)

    def keys(self, transact_items):
        for action in transact_items:
            (op,) = action.values()
            table = self.tables[op["TableName"]]
            key = op["Item"] if "Item" in op else op["Key"]
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            yield table, hash_value, range_value

    def stored(table, hash_value, range_value):
        partition = table.items.get(hash_value)
        if table.range_key_attr is None or partition is None:
            return partition
        return partition.get(range_value)

    def restore(table, hash_value, range_value, item) -> None:
        if table.range_key_attr is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        elif item is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item
        _index_item(table, hash_value, range_value)

    def transact_write_items(self, transact_items):
        try:
            before = [(table, hash_value, range_value, copy.deepcopy(stored(table, hash_value, range_value)))
                      for table, hash_value, range_value in keys(self, transact_items)]
        except Exception:  # a malformed request: moto's own code answers it as it did
            return original(self, transact_items)
        scope.items_kept = True
        try:
            return original(self, transact_items)
        except BaseException:
            for table, hash_value, range_value, item in reversed(before):
                restore(table, hash_value, range_value, item)
            raise
        finally:
            scope.items_kept = False

    dynamodb_models.copy = Copy()
    DynamoDBBackend.transact_write_items = transact_write_items


def _a_task_reuses_its_lambda_client() -> None:
    """moto's interpreter builds a new boto3 client for every Lambda task it runs (botocore's client creation: a few
    ms of CPU, and one more client object each time). Clients are thread-safe and these ones carry no per-execution
    state (fixed fake credentials, no retries), so one per region and endpoint serves every task."""
    from functools import lru_cache

    from moto.core.models import botocore_stubber
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    original = lambda_eval_utils.boto_client_for

    @lru_cache(maxsize=16)
    def cached(region, service, intercepting):
        return original(region=region, service=service)

    def boto_client_for(region, service, state_credentials=None):
        return cached(region, service, botocore_stubber.enabled)

    lambda_eval_utils.boto_client_for = boto_client_for


def _wire_attribute_value(serializer, value: dict) -> dict | None:
    """A stored AttributeValue as the response serializer writes it (None: a member this code does not know)."""
    wire = {}
    for member, member_value in value.items():
        if member_value is None:
            continue
        if member == "M":
            wire[member] = {name: _wire_attribute_value(serializer, item) for name, item in member_value.items()}
        elif member == "L":
            wire[member] = [_wire_attribute_value(serializer, item) for item in member_value]
        elif member == "B":
            wire[member] = serializer._base64(member_value)
        elif member == "BS":
            wire[member] = [serializer._base64(item) for item in member_value]
        elif member in ("SS", "NS"):
            wire[member] = [str(item) for item in member_value]
        elif member in ("S", "N"):
            wire[member] = str(member_value)
        elif member in ("BOOL", "NULL"):
            wire[member] = bool(member_value)
        else:  # a member this code does not know: moto's own way
            return None
    return wire


def _items_serialize_as_they_are() -> None:
    """moto's response serializer fills each AttributeValue of each item it returns member by member, trying every
    alias of all ten members (S, N, B, M, L...) on the stored value: about 1.5 ms of CPU per returned item of 30
    attributes, so GET /cases?limit=500 spent seconds in moto's serializer alone, and every read of a case paid it.
    An AttributeValue is stored in moto as its wire form already (a dict with one member), so it is written out as it
    is here, with moto's own base64 for binary values: the same JSON, without the search."""
    from moto.core.serialize import BaseJSONSerializer
    original = BaseJSONSerializer._serialize_type_structure

    def serialize_type_structure(self, serialized, value, shape, key):
        if key and shape.name == "AttributeValue" and isinstance(value, dict):
            wire = _wire_attribute_value(self, value)
            if wire is not None:
                self._default_serialize(serialized, wire, shape, key)
                return
        original(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = serialize_type_structure


def _an_action_is_found_without_listing_the_class() -> None:
    """For every request, moto's BaseResponse.call_action lists all the functions of the response class
    (inspect.getmembers: a sort of every attribute name, ~0.3 ms of CPU per request, an eighth of a DynamoDB call)
    only to ask whether the action's name is among them. That question is answered here directly: the name is there
    exactly when the class has an attribute of that name that is a plain function, as getmembers(clazz,
    inspect.isfunction) would list it.

    Upstream: in call_action, test `inspect.isfunction(getattr(self.__class__, action, None))`, or cache
    method_names_from_class per class."""
    import inspect

    from moto.core import responses
    assert responses.method_names_from_class.__module__ == "moto.core.utils"

    class FunctionNames:
        __slots__ = ("clazz",)

        def __init__(self, clazz):
            self.clazz = clazz

        def __contains__(self, name) -> bool:
            return isinstance(name, str) and inspect.isfunction(getattr(self.clazz, name, None))

    responses.method_names_from_class = FunctionNames


def apply_all() -> None:
    global _applied
    if _applied:
        return
    if moto.__version__ not in PATCHED_MOTO_VERSIONS:
        raise RuntimeError(f"local/moto_patches.py was checked on moto {PATCHED_MOTO_VERSIONS}, not {moto.__version__}")
    _send_task_failure_keeps_cause()
    _start_time_is_iso()
    _stop_interrupts_callbacks()
    _timed_out_tokens_are_refused()
    _a_timeout_and_an_answer_never_both_win()
    _requests_are_atomic()
    _an_execution_reuses_its_parsed_definition()
    _a_definition_is_validated_once()
    _a_json_path_is_parsed_once()
    _a_query_reads_its_partition()
    _an_index_query_reads_its_key()
    _an_update_expression_is_checked_in_linear_time()
    _an_expression_walk_asks_each_node_type_once()
    _a_transaction_keeps_only_what_it_touches()
    _a_condition_is_parsed_once()
    _an_update_copies_the_old_item_only_when_asked()
    _a_queue_finds_its_messages_without_rereading_itself()
    _a_task_reuses_its_lambda_client()
    _items_serialize_as_they_are()
    _an_action_is_found_without_listing_the_class()
    _a_service_router_is_built_once()
    apply_query_patches()  # the last section
    _applied = True


# == Queries that copy and convert only what they return ============================================================
# GET /cases?limit=500 with 2,000 open cases spent most of its time in moto's DynamoDB Query, which (5.2.5) measures
# each matched item's size twice, deep-copies every item it returns whole before projecting it, projects attribute
# names by decoding the whole item to Python and encoding it back once per projected name (so a ProjectionExpression
# made a query slower, not faster), converts its answer node by node, and type-tests every key value it compares.
# The patches below keep moto's answers as they were (tests/unit/local/test_moto_query_patches.py compares them with
# moto's own functions) and do each step once, on what is returned. Each docstring ends with the fix it suggests
# upstream.

# (owner, attribute) -> what moto had there before these patches: the tests run moto's own code through it.
QUERY_PATCH_ORIGINALS: dict[tuple[object, str], object] = {}


def _replace(owner: object, name: str, new: object, originals: dict | None = None) -> None:
    """Put `new` at owner.name, noting what moto had there (in QUERY_PATCH_ORIGINALS unless told another record)."""
    (QUERY_PATCH_ORIGINALS if originals is None else originals).setdefault((owner, name), getattr(owner, name))
    setattr(owner, name, new)


def _a_projection_picks_its_attributes() -> None:
    """Item.project with a ProjectionExpression (or an index's KEYS_ONLY/INCLUDE projection) calls to_regular_json()
    for every projected path: the whole item decoded to Python with boto3's TypeDeserializer, then what it found
    encoded back with the TypeSerializer into a new Item, whose LimitedSizeDict re-measures the item at every insert.
    For 20 names on items of 30 attributes that is 20 full decodes an item. When every path is a top-level name (no
    `.` and no `[n]`: the case of every projection in this app), the item's own attribute values are copied
    instead, in the order of the paths, as moto's merge does; any other path goes through moto's code. The values
    come back as they were stored, where moto's round trip could re-order a set's members or re-write a number
    (DynamoDB gives sets in no order, and numbers as they were normalised on write).
    Upstream: in Item.project, resolve each path on self.attrs (DynamoType values) rather than on to_regular_json(),
    decoding nothing, and build the projected Item the way Item.__deepcopy__ already does, without re-validating the
    size of attributes that passed validation on write."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    original = Item.project

    def copied(value: DynamoType) -> DynamoType:
        """DynamoType.__deepcopy__'s copy; a string, number or boolean has nothing nested to copy."""
        if value.type not in ("S", "N", "BOOL", "NULL"):
            return copy.deepcopy(value)
        twin = DynamoType.__new__(DynamoType)
        twin.type, twin.value = value.type, value.value
        return twin

    def project(self, projection_expressions):
        names = []
        for path in projection_expressions:
            if len(path) != 1 or not isinstance(path[0], str) or "[" in path[0]:
                return original(self, projection_expressions)
            names.append(path[0])
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(attrs)
        for name in names:
            value = self.attrs.get(name)
            if value is not None and name not in attrs:
                dict.__setitem__(attrs, name, copied(value))
        projected = Item.__new__(Item)
        projected.hash_key, projected.range_key, projected.attrs = self.hash_key, self.range_key, attrs
        return projected

    _replace(Item, "project", project)


def _a_query_copies_only_what_it_returns() -> None:
    """Table.query deep-copies every item it returns, whole, and only then applies the index's projection, the
    FilterExpression and the ProjectionExpression, so a query asking for 20 of 30 attributes copies all 30; and its
    paging loop computes each item's size twice (the 1 MB check, then the running total), walking every attribute.
    Here, during a query, that copy is deferred: the items go through projection and filter as they are stored (none
    of those steps changes an item), and at the end only what is still a stored item is deep-copied (a projected item
    is a new one already); an item's size is computed once per query, a string's, number's or boolean's directly
    (the same bytes DynamoType.size counts, without its chain of type tests). Same items, same order, same pages,
    same LastEvaluatedKey and counts: only the copying and measuring of what is not returned is gone.
    Upstream: in Table.query, project and filter before copying (or copy only when no projection made a new item),
    and compute `result.size()` once per candidate in the paging loop (a local variable); in DynamoType.size, test
    the common types first."""
    import moto.dynamodb.models.table as table_module
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    original_query, original_size = Table.query, Item.size
    scope = threading.local()

    class Copy:
        """table.py's `copy`, but during a query its deepcopy of the results list only notes the items it holds."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value, memo=None):
            pending = getattr(scope, "pending", None)
            if pending is not None and memo is None and type(value) is list:
                pending.update((id(item), item) for item in value)
                return list(value)
            return copy.deepcopy(value, memo)

    def measured(item: Item) -> int:  # moto 5.2.5's Item.size and DynamoType.size, the common types first
        total = 0
        for name, value in item.attrs.items():
            total += len(name.encode("utf-8"))
            kind, raw = value.type, value.value
            if kind == "S" and type(raw) is str:
                total += len(raw.encode("utf-8"))
            elif kind == "N":
                total += len(str(raw))
            elif (kind == "BOOL" or kind == "NULL") and type(raw) is bool:
                total += 1
            else:
                total += value.size()
        return total

    def size(self) -> int:
        sizes = getattr(scope, "sizes", None)
        if sizes is None:
            return original_size(self)
        known = sizes.get(id(self))
        if known is None or known[0] is not self:
            known = sizes[id(self)] = (self, measured(self))
        return known[1]

    def query(self, *args, **kwargs):
        if getattr(scope, "pending", None) is not None:  # a query inside a query (none in moto 5.2.5): as it was
            return original_query(self, *args, **kwargs)
        scope.pending, scope.sizes = {}, {}
        try:
            results, scanned_count, last_evaluated_key = original_query(self, *args, **kwargs)
            stored = scope.pending
        finally:
            scope.pending = scope.sizes = None
        return ([copy.deepcopy(item) if stored.get(id(item)) is item else item for item in results],
                scanned_count, last_evaluated_key)

    _replace(table_module, "copy", Copy())
    _replace(Item, "size", size)
    _replace(Table, "query", query)


def _an_answer_converts_its_items_directly() -> None:
    """DynamoResult turns each answer into plain dicts with dynamo_to_dict, which for every node of every item tests
    datetime, DynamoType and `hasattr(obj, "to_json")` before it looks at dicts and lists. Here the node types an
    answer is made of (DynamoType, dict, moto's LimitedSizeDict, list, str, int, bool, None) are converted directly,
    to the same dicts; binary values (B, BS), whose bytes moto's function decodes, and anything else go through
    moto's function.
    Upstream: dispatch on type(obj) in dynamo_to_dict (a dict of converters), testing to_json last, or give
    DynamoType a method that returns its wire dict."""
    import moto.dynamodb.responses as responses
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    original = responses.dynamo_to_dict
    plain = (str, int, bool, type(None))

    def dynamo_to_dict(obj):
        kind = type(obj)
        if kind is DynamoType:
            if obj.type in ("B", "BS"):
                return original(obj)
            return {obj.type: dynamo_to_dict(obj.value)}
        if kind is dict or kind is LimitedSizeDict:
            return {key: dynamo_to_dict(value) for key, value in obj.items()}
        if kind is list:
            return [dynamo_to_dict(value) for value in obj]
        if kind in plain:
            return obj
        return original(obj)

    _replace(responses, "dynamo_to_dict", dynamo_to_dict)


def _a_string_casts_to_itself() -> None:
    """DynamoType.cast_value, which every key comparison, sort and hash-key match of a query reads (twice per
    comparison), tests number, set, list, map and null before it returns a string's value as it is: sorting 2,000
    open cases by their index keys read it 10,000 times. Here a string, binary or boolean value returns at once, as
    it did at the end of those tests; every other type goes through moto's property.
    Upstream: test the scalar types first in cast_value (or keep the cast value on the DynamoType, which is
    immutable in moto's use of it as a key)."""
    from moto.dynamodb.models.dynamo_type import DynamoType
    original = DynamoType.cast_value.fget

    def cast_value(self):
        if self.type in ("S", "B", "BOOL"):
            return self.value
        return original(self)

    _replace(DynamoType, "cast_value", property(cast_value))


def _an_item_serializes_as_a_whole() -> None:
    """An item in an answer is a map of AttributeValues, which moto's JSON serializer writes entry by entry: for each
    attribute, a call of _serialize (a getattr to find the type's method, the path pushed and popped), then the
    AttributeValue's own (see _items_serialize_as_they_are), then _default_serialize and its name lookup. For the
    7,500 attributes of GET /cases?limit=500 that was ~18 ms of the request's CPU. Here a map whose values are
    AttributeValues (and whose value shape has no serialized name of its own) is written in one pass: a string,
    number or boolean value as it is (the answer's dicts are made for this response by dynamo_to_dict, and only JSON
    is made of them), any other as _items_serialize_as_they_are writes it. A map holding anything else (a value that
    is not a dict, a member that code does not know, an empty name) is written by moto's code, whole.
    Upstream: in BaseJSONSerializer, serialize a map of AttributeValue (DynamoDB's AttributeMap) without the per-entry
    dispatch, or give the serializer a fast path for shapes whose members are written as they are."""
    from moto.core.serialize import BaseJSONSerializer
    original = BaseJSONSerializer._serialize_type_map

    def serialize_type_map(self, serialized, value, shape, key):
        value_shape = shape.value
        if (value_shape is None or value_shape.name != "AttributeValue" or "name" in value_shape.serialization
                or type(value) is not dict):
            return original(self, serialized, value, shape, key)
        map_obj = self.MAP_TYPE()
        for name, attribute in value.items():
            if not name or type(attribute) is not dict:
                return original(self, serialized, value, shape, key)
            if len(attribute) == 1:
                (member, member_value), = attribute.items()
                if ((member == "S" or member == "N") and type(member_value) is str
                        or member == "BOOL" and type(member_value) is bool):
                    map_obj[name] = attribute  # written as it is (str() and bool() of these are themselves)
                    continue
            wire = _wire_attribute_value(self, attribute)
            if wire is None:
                return original(self, serialized, value, shape, key)
            map_obj[name] = wire
        self._default_serialize(serialized, map_obj, shape, key)

    _replace(BaseJSONSerializer, "_serialize_type_map", serialize_type_map)


def apply_query_patches() -> None:
    """The patches of this section, in order (apply_all() calls it)."""
    _a_projection_picks_its_attributes()
    _a_query_copies_only_what_it_returns()
    _an_answer_converts_its_items_directly()
    _a_string_casts_to_itself()
    _an_item_serializes_as_a_whole()
