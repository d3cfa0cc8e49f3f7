import ArgumentParser

extension KubeSift.Findings {
    struct FalsePositive: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "false-positive", abstract: "Mark a finding a false positive: not what the rule means to find; not counted as a control exception.")

        @OptionGroup var disposition: DispositionOptions

        func run() throws { try disposition.record(.falsePositive) }
    }
}
