#include "io/pickle_reader.h"

#include <cstring>
#include <unordered_map>

#include "io/plain_error.h"

namespace svg2::io {

namespace {

using Kind = PickleObject::Kind;

bool is_allowed_global(const std::string& module, const std::string& name) {
  if (module == "collections") return name == "OrderedDict";
  if (module == "torch._utils")
    return name == "_rebuild_tensor" || name == "_rebuild_tensor_v2" || name == "_rebuild_tensor_v3" ||
           name == "_rebuild_parameter" || name == "_rebuild_parameter_with_state";
  if (module == "torch.storage") return name == "UntypedStorage";
  if (module == "torch") {
    if (name == "Size" || name == "UntypedStorage") return true;
    if (dtype_from_torch_storage_name(name)) return true;
    return dtype_from_torch_dtype_name(name).has_value();
  }
  return false;
}

class Unpickler {
 public:
  Unpickler(const uint8_t* data, std::size_t size, std::string_view source)
      : data_(data), size_(size), source_(source) {
    // Shared singletons: None, False, True.
    graph_.objects.resize(3);
    graph_.objects[1].kind = Kind::boolean;
    graph_.objects[2].kind = Kind::boolean;
    graph_.objects[2].integer = 1;
  }

  PickleGraph run() {
    while (true) {
      op_pos_ = pos_;
      const uint8_t op = u8();
      if (op == '.') {  // STOP
        if (stack_.empty()) error("STOP with an empty stack");
        graph_.root = stack_.back();
        return std::move(graph_);
      }
      step(op);
    }
  }

 private:
  [[noreturn]] void error(std::string_view what) const {
    fail_plain(source_, ": bad pickle at byte ", op_pos_, ": ", what);
  }

  // ---- input ----
  void need(uint64_t n) const {
    if (n > size_ - pos_)
      fail_plain(source_, ": pickle is truncated (needs ", n, " more bytes at byte ", pos_, ")");
  }
  uint64_t le(int bytes) {
    need(bytes);
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | data_[pos_ + i];
    pos_ += bytes;
    return v;
  }
  uint8_t u8() { return static_cast<uint8_t>(le(1)); }
  std::string bytes(uint64_t n) {
    need(n);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  std::string line() {
    const void* nl = std::memchr(data_ + pos_, '\n', size_ - pos_);
    if (!nl) error("GLOBAL without a terminating newline");
    const std::size_t n = static_cast<const uint8_t*>(nl) - (data_ + pos_);
    std::string s = bytes(n);
    ++pos_;
    return s;
  }

  // ---- objects and stack ----
  uint32_t make(Kind kind) {
    if (graph_.objects.size() >= UINT32_MAX) error("too many objects");
    graph_.objects.emplace_back();
    graph_.objects.back().kind = kind;
    return static_cast<uint32_t>(graph_.objects.size() - 1);
  }
  PickleObject& obj(uint32_t i) { return graph_.objects[i]; }
  void push(uint32_t i) { stack_.push_back(i); }
  uint32_t pop() {
    if (stack_.size() <= stack_floor()) error("stack underflow");
    uint32_t v = stack_.back();
    stack_.pop_back();
    return v;
  }
  uint32_t top() {
    if (stack_.size() <= stack_floor()) error("stack underflow");
    return stack_.back();
  }
  std::size_t stack_floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<uint32_t> pop_mark() {
    if (marks_.empty()) error("no MARK to pop to");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<uint32_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  uint32_t make_sequence(Kind kind, std::vector<uint32_t> items) {
    uint32_t i = make(kind);
    obj(i).items = std::move(items);
    return i;
  }
  uint32_t make_int(int64_t v) {
    uint32_t i = make(Kind::integer);
    obj(i).integer = v;
    return i;
  }
  uint32_t make_text(Kind kind, std::string s) {
    uint32_t i = make(kind);
    obj(i).text = std::move(s);
    return i;
  }
  void memo_put(uint64_t index) {
    if (memo_.size() >= (1u << 26) && !memo_.count(index)) error("memo too large");
    memo_[index] = top();
  }
  void memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) error("memo key " + std::to_string(index) + " was never stored");
    push(it->second);
  }

  void add_to_dict(uint32_t dict, const std::vector<uint32_t>& kv) {
    if (obj(dict).kind != Kind::dict) error("SETITEM(S) on something that is not a dict");
    if (kv.size() % 2) error("SETITEMS with an odd number of items");
    auto& items = obj(dict).items;
    items.insert(items.end(), kv.begin(), kv.end());
  }
  void add_to_list(uint32_t list, const std::vector<uint32_t>& values) {
    if (obj(list).kind != Kind::list) error("APPEND(S) on something that is not a list");
    auto& items = obj(list).items;
    items.insert(items.end(), values.begin(), values.end());
  }

  void push_global(std::string module, std::string name) {
    if (!is_allowed_global(module, name))
      fail_plain(
          source_, ": pickle refers to '", module, ".", name,
          "', which is not allowed in a checkpoint (only collections.OrderedDict, torch.Size, torch storages "
          "and dtypes, and torch._utils tensor rebuild functions are accepted)");
    push(make_text(Kind::global, module + "." + name));
  }

  // ---- calls (REDUCE, NEWOBJ) on allow-listed globals ----
  int64_t int_arg(const std::vector<uint32_t>& args, std::size_t i, const char* what) {
    if (i >= args.size() || obj(args[i]).kind != Kind::integer)
      error(std::string("expected an integer ") + what);
    return obj(args[i]).integer;
  }
  std::vector<int64_t> int_tuple_arg(const std::vector<uint32_t>& args, std::size_t i, const char* what) {
    if (i >= args.size()) error(std::string("missing ") + what);
    const PickleObject& t = obj(args[i]);
    if (t.kind != Kind::tuple && t.kind != Kind::list) error(std::string("expected a tuple for ") + what);
    std::vector<int64_t> out;
    for (uint32_t item : t.items) {
      if (obj(item).kind != Kind::integer) error(std::string("non-integer entry in ") + what);
      out.push_back(obj(item).integer);
    }
    return out;
  }

  uint32_t rebuild_tensor(const std::vector<uint32_t>& args, bool has_dtype_arg) {
    if (args.size() < 4) error("tensor rebuild needs (storage, offset, size, stride)");
    if (obj(args[0]).kind != Kind::storage) error("tensor rebuild: first argument is not a storage");
    const uint32_t storage = args[0];
    const int64_t offset = int_arg(args, 1, "storage offset");
    std::vector<int64_t> shape = int_tuple_arg(args, 2, "tensor size");
    std::vector<int64_t> stride = int_tuple_arg(args, 3, "tensor stride");
    if (shape.size() != stride.size()) error("tensor size and stride have different lengths");
    StoredDType dtype = obj(storage).dtype;
    if (has_dtype_arg) {
      if (args.size() < 7 || obj(args[6]).kind != Kind::global) error("_rebuild_tensor_v3 without a dtype");
      const std::string& g = obj(args[6]).text;
      auto d = dtype_from_torch_dtype_name(std::string_view(g).substr(g.rfind('.') + 1));
      if (!d) error("_rebuild_tensor_v3 dtype '" + g + "' is not a dtype");
      dtype = *d;
    }
    uint32_t t = make(Kind::tensor);
    PickleObject& o = obj(t);
    o.storage = storage;
    o.dtype = dtype;
    o.storage_offset = offset;
    o.shape = std::move(shape);
    o.stride = std::move(stride);
    return t;
  }

  uint32_t call(uint32_t callable, uint32_t args_index) {
    const PickleObject& c = obj(callable);
    if (c.kind != Kind::global) error("call of something that is not an allowed global");
    const PickleObject& a = obj(args_index);
    if (a.kind != Kind::tuple) error("call arguments are not a tuple");
    const std::vector<uint32_t> args = a.items;
    const std::string name = c.text;
    if (name == "collections.OrderedDict") {
      if (!args.empty()) error("OrderedDict called with arguments (unsupported)");
      return make(Kind::dict);
    }
    if (name == "torch.Size") {
      std::vector<int64_t> dims = int_tuple_arg(args, 0, "torch.Size");
      std::vector<uint32_t> items;
      for (int64_t d : dims) items.push_back(make_int(d));
      return make_sequence(Kind::tuple, std::move(items));
    }
    if (name == "torch._utils._rebuild_tensor" || name == "torch._utils._rebuild_tensor_v2")
      return rebuild_tensor(args, false);
    if (name == "torch._utils._rebuild_tensor_v3") return rebuild_tensor(args, true);
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
      if (args.empty() || obj(args[0]).kind != Kind::tensor) error(name + " without a tensor");
      return args[0];
    }
    error("'" + name + "' cannot be called");
  }

  // BINPERSID: ('storage', torch.<X>Storage, key, location, numel).
  uint32_t persistent_load(uint32_t pid_index) {
    const PickleObject& pid = obj(pid_index);
    if (pid.kind != Kind::tuple || pid.items.size() < 5) error("persistent id is not a 5-tuple");
    const std::vector<uint32_t> f = pid.items;
    if (obj(f[0]).kind != Kind::string || obj(f[0]).text != "storage")
      error("persistent id is not a 'storage' record");
    if (obj(f[1]).kind != Kind::global) error("persistent id without a storage type");
    const std::string& type = obj(f[1]).text;
    const std::string type_name = type.substr(type.rfind('.') + 1);
    StoredDType dtype;
    if (type_name == "UntypedStorage") {
      dtype = StoredDType::u8;
    } else if (auto d = dtype_from_torch_storage_name(type_name)) {
      dtype = *d;
    } else {
      error("persistent id storage type '" + type + "' is not a storage");
    }
    if (obj(f[2]).kind != Kind::string) error("storage key is not a string");
    if (obj(f[4]).kind != Kind::integer || obj(f[4]).integer < 0)
      error("storage size is not a non-negative integer");
    uint32_t s = make(Kind::storage);
    obj(s).dtype = dtype;
    obj(s).text = obj(f[2]).text;
    obj(s).storage_numel = obj(f[4]).integer;
    return s;
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const uint8_t v = u8();
        if (v > 5) error("unsupported pickle protocol " + std::to_string(v));
        break;
      }
      case 0x95:
        le(8);
        break;  // FRAME: only a length hint
      // memo
      case 'q':
        memo_put(u8());
        break;  // BINPUT
      case 'r':
        memo_put(le(4));
        break;  // LONG_BINPUT
      case 0x94:
        memo_put(memo_.size());
        break;  // MEMOIZE
      case 'h':
        memo_get(u8());
        break;  // BINGET
      case 'j':
        memo_get(le(4));
        break;  // LONG_BINGET
      // containers
      case '}':
        push(make(Kind::dict));
        break;  // EMPTY_DICT
      case ']':
        push(make(Kind::list));
        break;  // EMPTY_LIST
      case ')':
        push(make(Kind::tuple));
        break;  // EMPTY_TUPLE
      case '(':
        marks_.push_back(stack_.size());
        break;  // MARK
      case 't':
        push(make_sequence(Kind::tuple, pop_mark()));
        break;  // TUPLE
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        std::vector<uint32_t> items(op - 0x84);
        for (std::size_t i = items.size(); i-- > 0;) items[i] = pop();
        push(make_sequence(Kind::tuple, std::move(items)));
        break;
      }
      case 'l':
        push(make_sequence(Kind::list, pop_mark()));
        break;     // LIST
      case 'd': {  // DICT
        std::vector<uint32_t> kv = pop_mark();
        uint32_t d = make(Kind::dict);
        add_to_dict(d, kv);
        push(d);
        break;
      }
      case 's': {  // SETITEM
        uint32_t v = pop(), k = pop();
        add_to_dict(top(), {k, v});
        break;
      }
      case 'u': {  // SETITEMS
        std::vector<uint32_t> kv = pop_mark();
        add_to_dict(top(), kv);
        break;
      }
      case 'a': {  // APPEND
        uint32_t v = pop();
        add_to_list(top(), {v});
        break;
      }
      case 'e': {  // APPENDS
        std::vector<uint32_t> values = pop_mark();
        add_to_list(top(), values);
        break;
      }
      case '0':
        pop();
        break;  // POP
      case '1':
        pop_mark();
        break;  // POP_MARK
      case '2':
        push(top());
        break;  // DUP
      // scalars
      case 'J':
        push(make_int(static_cast<int32_t>(static_cast<uint32_t>(le(4)))));
        break;  // BININT
      case 'K':
        push(make_int(u8()));
        break;  // BININT1
      case 'M':
        push(make_int(static_cast<int64_t>(le(2))));
        break;      // BININT2
      case 0x8a: {  // LONG1
        const uint8_t n = u8();
        if (n > 8) error("integer wider than 64 bits");
        uint64_t v = n ? le(n) : 0;
        if (n && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);  // sign-extend
        push(make_int(static_cast<int64_t>(v)));
        break;
      }
      case 'G': {  // BINFLOAT (big-endian)
        need(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | data_[pos_ + i];
        pos_ += 8;
        double d;
        std::memcpy(&d, &bits, sizeof d);
        uint32_t i = make(Kind::floating);
        obj(i).floating = d;
        push(i);
        break;
      }
      case 0x88:
        push(2);
        break;  // NEWTRUE
      case 0x89:
        push(1);
        break;  // NEWFALSE
      case 'N':
        push(0);
        break;  // NONE
      // strings and bytes
      case 'X':
        push(make_text(Kind::string, bytes(le(4))));
        break;  // BINUNICODE
      case 0x8c:
        push(make_text(Kind::string, bytes(u8())));
        break;  // SHORT_BINUNICODE
      case 0x8d:
        push(make_text(Kind::string, bytes(le(8))));
        break;     // BINUNICODE8
      case 'T': {  // BINSTRING
        const int32_t n = static_cast<int32_t>(static_cast<uint32_t>(le(4)));
        if (n < 0) error("negative string length");
        push(make_text(Kind::string, bytes(n)));
        break;
      }
      case 'U':
        push(make_text(Kind::string, bytes(u8())));
        break;  // SHORT_BINSTRING
      case 'B':
        push(make_text(Kind::bytes, bytes(le(4))));
        break;  // BINBYTES
      case 'C':
        push(make_text(Kind::bytes, bytes(u8())));
        break;  // SHORT_BINBYTES
      case 0x8e:
        push(make_text(Kind::bytes, bytes(le(8))));
        break;  // BINBYTES8
      // objects
      case 'c': {  // GLOBAL
        std::string module = line();
        std::string name = line();
        push_global(std::move(module), std::move(name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        uint32_t name = pop(), module = pop();
        if (obj(name).kind != Kind::string || obj(module).kind != Kind::string)
          error("STACK_GLOBAL needs two strings");
        push_global(obj(module).text, obj(name).text);
        break;
      }
      case 'R':
      case 0x81: {  // REDUCE, NEWOBJ
        uint32_t args = pop(), callable = pop();
        push(call(callable, args));
        break;
      }
      case 'b':
        pop();
        top();
        break;  // BUILD: state ignored (OrderedDict _metadata)
      case 'Q':
        push(persistent_load(pop()));
        break;  // BINPERSID
      default: {
        static const char* hex = "0123456789abcdef";
        std::string code = "0x";
        code += hex[op >> 4];
        code += hex[op & 15];
        error("unknown or unsupported opcode " + code);
      }
    }
  }

  const uint8_t* data_;
  std::size_t size_;
  std::string_view source_;
  std::size_t pos_ = 0;
  std::size_t op_pos_ = 0;
  PickleGraph graph_;
  std::vector<uint32_t> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<uint64_t, uint32_t> memo_;
};

}  // namespace

PickleGraph read_pickle(const uint8_t* data, std::size_t size, std::string_view source) {
  return Unpickler(data, size, source).run();
}

}  // namespace svg2::io
