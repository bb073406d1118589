from cryptick.cli import main

main()
