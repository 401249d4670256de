function __cxv-report_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-report_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cxv-report_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-report_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cxv-report_parse_tokens -S
    set -l unparsed_tokens (__cxv-report_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cxv-report'
        __cxv-report_parse_subcommand -r 1 'format=' 'rejects=' 'imported=' 'skip-invalid' 'max-line-bytes=' 'o/output=' 'log-level=' 'log-format=' 'q/quiet' 'progress' 'no-progress' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __cxv-report_parse_subcommand -r 1 'version'
        end
    end
end

function __cxv-report_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cxv-report_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __cxv-report_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cxv-report_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cxv-report_tokens -p)
    if test -z "$(__cxv-report_tokens -t)"
        set -l index (count (__cxv-report_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cxv-report' -f
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" format' -l 'format' -d 'Summary format.' -rfka 'text json'
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" rejects' -l 'rejects' -d 'Write every contact that was not imported to this CSV: its original columns plus \'error\' (rejected, with the reason, or in a failed chunk, with the chunk\'s; a failed chunk\'s rows as sent unless cxv-validate had --keep-rows).' -rF
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" imported' -l 'imported' -d 'Write every imported contact to this CSV: its columns, then \'source_line\' (\'source_file\' with several inputs), \'chunk_seq\' and \'job_id\'. The columns are the row as read when cxv-validate had --keep-rows, else as sent. With --rejects, every input row is in one of the two files, once.' -rF
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" skip-invalid' -l 'skip-invalid' -d 'Turn input lines that are not JSON records into rejects instead of stopping with status 65.'
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" max-line-bytes' -l 'max-line-bytes' -d 'Refuse input lines longer than this many bytes.' -rfka ''
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_positional "cxv-report" -ge 1' -F
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" o output' -s 'o' -l 'output' -d 'Write to FILE instead of stdout; FILE appears whole once the stage has read all its input (exit 0, 1 or 69), else not at all.' -rF
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" log-level' -l 'log-level' -d 'What to say on stderr: error, warning, info (what was done) or debug (every request).' -rfka 'error warning info debug'
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" log-format' -l 'log-format' -d 'text, or json: one object a line, for batch systems that collect logs.' -rfka 'text json'
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" q quiet' -s 'q' -l 'quiet' -d 'Say nothing on stderr but errors (--log-level error) and draw no progress line.'
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" progress' -l 'progress' -d 'Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), not into a pipe. NO_COLOR turns its color off.'
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" no-progress' -l 'no-progress' -d 'Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), not into a pipe. NO_COLOR turns its color off.'
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" version' -l 'version' -d 'Show the version.'
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_positional "cxv-report" -eq 2' -fa 'help' -d 'Show subcommand help information.'
complete -c 'cxv-report' -n '__cxv-report_should_offer_completions_for_flags_or_options "cxv-report help" version' -l 'version' -d 'Show the version.'
