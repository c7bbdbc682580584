import { render } from 'preact';
import { App } from './app';
import { claimFunctionKeys } from './keys';
import './styles.css';

claimFunctionKeys();
render(<App />, document.getElementById('app')!);
