import Foundation
import Yams

/// The fields of one YAML mapping, taken one by one; whatever is left over is an unknown field.
struct FieldReader {
    let node: Node
    let section: String
    let allowed: [String]
    private var fields: [(key: Node, value: Node)]

    init(node: Node, section: String, fields: [(key: Node, value: Node)], allowed: [String]) {
        self.node = node
        self.section = section
        self.fields = fields
        self.allowed = allowed
    }

    /// Fields are named in snake_case; the camelCase spelling Pachyderm's JSON uses (protobuf's
    /// JSON names: `join_on` and `joinOn`) names the same field.
    func has(_ name: String) -> Bool { fields.contains { Self.names($0.key.string, name) } }

    func peek(_ name: String) -> Node? {
        fields.first { Self.names($0.key.string, name) }?.value
    }

    mutating func take(_ name: String) -> Node? {
        guard let index = fields.firstIndex(where: { Self.names($0.key.string, name) }) else { return nil }
        return fields.remove(at: index).value
    }

    /// Whether `key` is `field` (snake_case) or its camelCase spelling.
    static func names(_ key: String?, _ field: String) -> Bool {
        guard let key else { return false }
        return key == field || (field.contains("_") && key == camelCase(field))
    }

    /// `joinOn` → `join_on` (names already in snake_case are unchanged).
    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase, character.isASCII {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// `join_on` → `joinOn`.
    static func camelCase(_ field: String) -> String {
        let parts = field.split(separator: "_")
        return parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }.joined()
    }

    /// The fields not taken yet (for free-form maps such as env).
    mutating func remaining() -> [(key: Node, value: Node)] {
        defer { fields = [] }
        return fields
    }

    /// Throws for the first field nobody took.
    func finish(_ parser: SpecParser) throws {
        guard let field = fields.first else { return }
        let name = field.key.string ?? "?"
        var hint = "fields of \(section): \(allowed.joined(separator: ", "))"
        if let close = allowed.min(by: { SpecValues.editDistance($0, name) < SpecValues.editDistance($1, name) }),
           SpecValues.editDistance(close, name) <= max(2, max(close.count, name.count) / 2) {
            hint = "did you mean '\(close)'? (\(hint))"
        }
        throw parser.error(at: field.key, "unknown field '\(name)' in \(section)", hint: hint)
    }
}

extension SpecParser {
    static let allowedFields: [String: [String]] = [
        "the spec": ["pipeline", "name", "description", "input", "transform", "runtime", "parallelism", "datum_tries",
                     "datum_timeout", "resources", "output_branch", "executor", "notes"] + pachydermTopLevelFields,
        "pipeline": ["name", "project"],
        "input": ["pfs", "cross", "union", "join", "group", "cron"],
        "pfs": ["repo", "name", "branch", "glob", "join_on", "outer_join", "group_by", "commit", "empty_files", "lazy"]
            + pachydermPFSFields,
        "cron": ["name", "spec", "repo", "overwrite", "start", "project"],
        "transform": ["image", "cmd", "stdin", "env", "working_dir", "network", "err_cmd", "err_stdin", "accept_return_code",
                      "secrets", "user"] + pachydermTransformFields,
        "secret": ["name", "key", "env_var", "mount_path"],
        "resources": ["memory", "cpus"],
        "resource_requests": ["memory", "cpu", "gpu", "disk"],
        "resource_limits": ["memory", "cpu", "gpu", "disk"],
        "metadata": ["annotations", "labels"],
        "parallelism_spec": ["constant", "coefficient"],
        "egress": ["URL", "url", "object_storage", "sql_database"],
        "executor": ["kind", "remote", "parallelism", "datums_per_task", "partition", "account", "time", "sbatch_args",
                     "dver_path", "namespace", "secret", "worker_image", "backoff_limit_per_index"],
    ]

    func error(at node: Node?, _ problem: String, hint: String?) -> PipelineError {
        .invalidSpec(file: file, line: (node?.mark?.line ?? 1) + lineOffset, column: node?.mark?.column ?? 1, problem: problem, hint: hint)
    }

    func syntaxError(_ error: YamlError) -> PipelineError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return .invalidSpec(file: file, line: mark.line + lineOffset, column: mark.column, problem: "YAML syntax error: \(problem)",
                                hint: "check the indentation and quoting around this line")
        default:
            return .invalidSpec(file: file, line: 1, column: 1, problem: "YAML error: \(error)", hint: nil)
        }
    }

    /// Sections whose keys are data, not field names (no camelCase folding).
    private var free: Set<String> { ["env", "metadata.annotations", "metadata.labels", "egress"] }

    func mapping(_ node: Node, _ section: String) throws -> FieldReader {
        guard case .mapping(let mapping) = node else {
            throw error(at: node, "'\(section)' must be a mapping (key: value lines)", hint: nil)
        }
        var seen = Set<String>()
        for key in mapping.keys {
            let name = key.string ?? ""
            // `join_on` and `joinOn` are one field.
            let canonical = free.contains(section) ? name : FieldReader.snakeCase(name)
            if !seen.insert(canonical).inserted { throw error(at: key, "field '\(name)' appears twice in \(section)", hint: "keep one") }
        }
        return FieldReader(node: node, section: section, fields: mapping.map { ($0.key, $0.value) },
                           allowed: Self.allowedFields[section] ?? [])
    }

    /// A scalar's text, whatever type YAML resolved it to (for env values and sizes).
    func scalarText(_ node: Node, _ field: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw error(at: node, "'\(field)' must be a single value", hint: nil) }
        return scalar.string
    }

    func string(_ node: Node, _ field: String) throws -> String {
        guard case .scalar(let scalar) = node else {
            throw error(at: node, "'\(field)' must be a string", hint: "quote it: \(field): \"...\"")
        }
        return scalar.string
    }

    func strings(_ node: Node, _ field: String) throws -> [String] {
        guard case .sequence(let sequence) = node else {
            throw error(at: node, "'\(field)' must be a list of strings", hint: "\(field): [\"sh\", \"-c\", \"...\"]")
        }
        return try sequence.map { try scalarText($0, field) }
    }

    /// Names of pipelines, repos, inputs and branches: letters, digits, '.', '_', '-'.
    func identifier(_ node: Node, _ field: String) throws -> String {
        let text = try scalarText(node, field)
        let valid = !text.isEmpty && text.utf8.count <= 100 && !text.hasPrefix(".") && !text.hasPrefix("-")
            && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
        guard valid else {
            throw error(at: node, "bad \(field) '\(text)'", hint: "use letters, digits, '.', '_' and '-' (not first)")
        }
        return text
    }

    func positiveInt(_ node: Node, _ field: String, max: Int) throws -> Int {
        guard case .scalar = node, let value = node.int, value >= 1, value <= max else {
            throw error(at: node, "'\(field)' must be a whole number from 1 to \(max)", hint: nil)
        }
        return value
    }

    func bool(_ node: Node, _ field: String) throws -> Bool {
        guard case .scalar = node, let value = node.bool else { throw error(at: node, "'\(field)' must be true or false", hint: nil) }
        return value
    }

    func duration(_ node: Node, _ field: String = "datum_timeout") throws -> Double {
        let text = try scalarText(node, field)
        guard let seconds = SpecValues.seconds(text), seconds > 0, seconds < 1e9 else {
            throw error(at: node, "bad \(field) '\(text)'", hint: "a duration such as 30s, 10m, 1h30m or 500ms")
        }
        return seconds
    }
}

/// Parsing of sizes and durations as written in specs.
enum SpecValues {
    /// "512M", "2G", "1.5Gi", "1048576" → bytes.
    static func bytes(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let number = Double(digits), number >= 0 else { return nil }
        var unit = trimmed.dropFirst(digits.count).lowercased()[...]
        if unit.hasSuffix("b") { unit = unit.dropLast() }
        if unit.hasSuffix("i") { unit = unit.dropLast() }
        let multipliers: [String: Double] = ["": 1, "k": 1024, "m": 1_048_576, "g": 1_073_741_824, "t": 1_099_511_627_776]
        guard let multiplier = multipliers[String(unit)] else { return nil }
        let value = number * multiplier
        return value < 1e18 ? UInt64(value) : nil
    }

    /// A Kubernetes quantity as Pachyderm's resource fields hold: "512Mi" (binary), "2G"
    /// (decimal), "1.5Gi", "1e9", "1048576" → bytes.
    static func kubernetesBytes(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        var rest = trimmed.dropFirst(digits.count)
        guard var number = Double(digits), number >= 0 else { return nil }
        if rest.first == "e" || rest.first == "E", let exponent = Int(rest.dropFirst()), (0...18).contains(exponent) {
            number *= pow(10, Double(exponent))
            rest = ""
        }
        let units: [String: Double] = ["": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
                                       "Ki": 1024, "Mi": 1_048_576, "Gi": 1_073_741_824, "Ti": 1_099_511_627_776,
                                       "Pi": 1_125_899_906_842_624]
        guard let unit = units[String(rest)] else { return nil }
        let value = number * unit
        return value < 1e18 ? UInt64(value) : nil
    }

    /// CPUs as Kubernetes writes them: "500m" → 0.5, "2" → 2.
    static func kubernetesCPUs(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("m"), let millis = Double(trimmed.dropLast()) { return millis / 1000 }
        return Double(trimmed)
    }

    /// "30s", "10m", "1h30m", "500ms", "45" (seconds) → seconds.
    static func seconds(_ text: String) -> Double? {
        if let plain = Double(text) { return plain }
        var total = 0.0
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard let number = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += number / 1000
            case "s": total += number
            case "m": total += number * 60
            case "h": total += number * 3600
            default: return nil
            }
        }
        return total
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
