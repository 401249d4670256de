function __cxv-validate_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-validate_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __cxv-validate_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __cxv-validate_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __cxv-validate_parse_tokens -S
    set -l unparsed_tokens (__cxv-validate_tokens -pc)
    switch $unparsed_tokens[1]
    case 'cxv-validate'
        __cxv-validate_parse_subcommand -r 1 'input-format=' 'sheet=' 'delimiter=' 'encoding=' 'map=+' 'require=' 'region=' 'strict' 'dedupe' 'keep-rows' 'suppress=' 'jobs=' 'max-row-bytes=' 'o/output=' 'log-level=' 'log-format=' 'q/quiet' 'progress' 'no-progress' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __cxv-validate_parse_subcommand -r 1 'version'
        end
    end
end

function __cxv-validate_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __cxv-validate_parse_subcommand -S -a positional_count
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

function __cxv-validate_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __cxv-validate_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__cxv-validate_tokens -p)
    if test -z "$(__cxv-validate_tokens -t)"
        set -l index (count (__cxv-validate_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'cxv-validate' -f
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" input-format' -l 'input-format' -d 'Input format; auto reads .xlsx (or any zip) as a workbook, .ndjson/.jsonl as NDJSON, .csv as CSV, and otherwise looks at the first byte.' -rfka 'csv ndjson xlsx auto'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" sheet' -l 'sheet' -d 'The sheet of a workbook to read. Unset: the first sheet whose first row names a phone column (--log-level info says which).' -rfka ''
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" delimiter' -l 'delimiter' -d 'CSV field delimiter: one character, or \'tab\'. Unset: the one of , ; tab | that splits the first lines evenly (--log-level info says which).' -rfka ''
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" encoding' -l 'encoding' -d 'Read the input as this encoding (windows-1252, iso-8859-1, iso-8859-15, or any iconv name). Unset: UTF-8, or UTF-16 when the file starts with its BOM.' -rfka ''
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate"' -l 'map' -d 'Read FIELD from the column named HEADER (repeatable), e.g. --map phone_number=Mobile or --map external_id=CustomerNo. FIELD is phone_number, first_name, last_name, email or external_id.' -rfka ''
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" require' -l 'require' -d 'Fields that must not be empty, comma-separated (of first_name, last_name, email, external_id), or \'none\'; phone_number is always required.' -rfka ''
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" region' -l 'region' -d 'Read national numbers as this country\'s (ISO 3166 code, e.g. US).' -rfka ''
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" strict' -l 'strict' -d 'Reject numbers that are not valid for their country (libphonenumber\'s IsValidNumber: its number patterns).'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" dedupe' -l 'dedupe' -d 'Reject later rows whose normalised number repeats an earlier one, naming the first line.'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" keep-rows' -l 'keep-rows' -d 'Give each contact its row as read (\'record\'), which its chunk carries on, so that cxv-report --imported and --rejects give every row back exactly as it was read. It doubles the stream\'s size; without it they give a contact\'s columns as sent.'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" suppress' -l 'suppress' -d 'Reject numbers on this do-not-call list (one number a line, \'#\' comments).' -rF
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" jobs' -l 'jobs' -d 'Validate on this many threads (default: the number of cores).' -rfka ''
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" max-row-bytes' -l 'max-row-bytes' -d 'Reject rows longer than this many bytes.' -rfka ''
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" o output' -s 'o' -l 'output' -d 'Write to FILE instead of stdout; FILE appears whole once the stage has read all its input (exit 0, 1 or 69), else not at all.' -rF
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" log-level' -l 'log-level' -d 'What to say on stderr: error, warning, info (what was done) or debug (every request).' -rfka 'error warning info debug'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" log-format' -l 'log-format' -d 'text, or json: one object a line, for batch systems that collect logs.' -rfka 'text json'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" q quiet' -s 'q' -l 'quiet' -d 'Say nothing on stderr but errors (--log-level error) and draw no progress line.'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" progress' -l 'progress' -d 'Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), not into a pipe. NO_COLOR turns its color off.'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" no-progress' -l 'no-progress' -d 'Draw a live line of counts on stderr, or never. Default: cxv-report draws one when stderr is a terminal; the other stages when stderr is a terminal and they write to a file (-o or >), not into a pipe. NO_COLOR turns its color off.'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_positional "cxv-validate" -ge 1' -F
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" version' -l 'version' -d 'Show the version.'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_positional "cxv-validate" -eq 2' -fa 'help' -d 'Show subcommand help information.'
complete -c 'cxv-validate' -n '__cxv-validate_should_offer_completions_for_flags_or_options "cxv-validate help" version' -l 'version' -d 'Show the version.'
