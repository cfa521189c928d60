import DverRemote
import DverSystem

/// A `SpecCatalog` over a dictionary, standing in for the pipeline catalog (which DverRemote
/// must not know). A spec is text whose first line is `spec NAME`; `check` refuses anything
/// else, so a test can make a remote deliver content the catalog refuses.
final class MemorySpecCatalog: SpecCatalog {
    enum Refusal: Error, CustomStringConvertible {
        case content(String)
        case adoption(String)
        var description: String {
            switch self {
            case .content(let reason): "refused by the catalog: \(reason)"
            case .adoption(let name): "cannot adopt \(name)"
            }
        }
    }

    private let state: Locked<(specs: [String: [UInt8]], adoptions: Int, refusing: Set<String>)>

    init(_ specs: [String: String] = [:]) {
        let bytes = Dictionary(uniqueKeysWithValues: specs.map { ($0.key, Array(Self.text($0.key, $0.value).utf8)) })
        state = Locked((bytes, 0, []))
    }

    /// The bytes of a spec named `name` with `body`.
    static func text(_ name: String, _ body: String) -> String { "spec \(name)\n\(body)" }

    static func blob(_ name: String, _ body: String) -> SpecBlob { SpecBlob(name: name, bytes: Array(text(name, body).utf8)) }

    /// Sets (or, with nil, deletes) a local spec, as `dver pipeline update` or `delete` would.
    func set(_ name: String, _ body: String?) {
        state.withLock { $0.specs[name] = body.map { Array(Self.text(name, $0).utf8) } }
    }

    /// The body of a local spec.
    func body(_ name: String) -> String? {
        state.withLock { $0.specs[name] }.map { String(decoding: $0, as: UTF8.self).split(separator: "\n", maxSplits: 1).dropFirst().joined() }
    }

    var names: [String] { state.withLock { $0.specs.keys.sorted() } }
    /// How many `adopt` calls added something.
    var adoptions: Int { state.withLock { $0.adoptions } }

    /// Makes `checkAdoption` refuse `name` (as the pipeline catalog refuses a missing input).
    func refuseAdoption(of name: String) { state.withLock { _ = $0.refusing.insert(name) } }

    func localSpecs() throws -> [SpecBlob] {
        state.withLock { $0.specs }.map { SpecBlob(name: $0.key, bytes: $0.value) }
    }

    func check(_ spec: SpecBlob) throws {
        let text = String(decoding: spec.bytes, as: UTF8.self)
        guard text.hasPrefix("spec \(spec.name)\n") else { throw Refusal.content("not a spec named \(spec.name)") }
    }

    func checkAdoption(_ specs: [SpecBlob], arrivingRepos: Set<String>) throws {
        let refusing = state.withLock { $0.refusing }
        if let refused = specs.first(where: { refusing.contains($0.name) }) { throw Refusal.adoption(refused.name) }
    }

    func adopt(_ specs: [SpecBlob], arrivingRepos: Set<String>) throws {
        try checkAdoption(specs, arrivingRepos: arrivingRepos)
        state.withLock { state in
            for spec in specs { state.specs[spec.name] = spec.bytes }
            state.adoptions += 1
        }
    }
}
