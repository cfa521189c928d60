import DverCore
import Foundation

/// The form in which a spec leaves the project (pushed to a remote) and the checks it passes
/// when it comes back. A spec travels as its canonical JSON — the bytes `hash` hashes — so its
/// name on a remote is its spec hash, the one output commits record as `spec`.
extension PipelineSpec {
    /// The canonical JSON encoding: sorted keys, no whitespace, slashes unescaped.
    /// - Throws: `EncodingError` for a value JSON cannot hold (a non-finite number).
    public func canonicalJSON() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// A spec received from outside the project, which must be listed as `name`. Accepted only
    /// if the bytes are a spec in canonical form (so nothing is ignored: no unknown field, no
    /// second spelling), it is named `name`, and — written as YAML and read back by
    /// `SpecParser` — it passes every check a spec file passes at `dver pipeline create`
    /// (names, globs, join and input-name rules, ranges) and reads back as the same spec.
    /// Whether the project can hold it (input repos, cycles, the output repo) is checked when
    /// it is adopted (`PipelineCatalog.adopt`).
    /// - Throws: `PipelineError.unacceptableSpec` naming the problem.
    public init(received bytes: [UInt8], name: String) throws {
        let spec: PipelineSpec
        do {
            spec = try JSONDecoder().decode(PipelineSpec.self, from: Data(bytes))
        } catch {
            throw PipelineError.unacceptableSpec(name: name, problem: "it is not a pipeline spec (\(Self.describe(error)))")
        }
        guard spec.name == name else {
            throw PipelineError.unacceptableSpec(name: name, problem: "it names pipeline '\(spec.name)'")
        }
        guard (try? spec.canonicalJSON()) == bytes else {
            throw PipelineError.unacceptableSpec(name: name, problem: "it is not in canonical form (sorted keys, no spaces, no unknown "
                                                 + "fields), so it was not written by dver or holds fields this dver does not know")
        }
        let reread: PipelineSpec
        do {
            reread = try SpecParser(file: "pipeline '\(name)'").parse(try spec.yamlText())
        } catch PipelineError.invalidSpec(_, _, _, let problem, _) {
            throw PipelineError.unacceptableSpec(name: name, problem: problem)
        } catch {
            throw PipelineError.unacceptableSpec(name: name, problem: "it cannot be written as YAML (\(error))")
        }
        guard reread == spec else {
            throw PipelineError.unacceptableSpec(name: name, problem: "it holds values a spec file cannot express")
        }
        self = spec
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? context.debugDescription : "\(path.hasPrefix(".") ? String(path.dropFirst()) : path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
