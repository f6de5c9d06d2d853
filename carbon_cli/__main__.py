from carbon_cli.cli.app import main

main()
